package media

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path"
	"testing"
)

// TestGeneratedKey: every name randomName makes, under every listed
// prefix and with every known extension, is a generated key; the foreign
// keys are not.
func TestGeneratedKey(t *testing.T) {
	listed := &Store{prefixes: UploadPrefixesForTest}
	anyPrefix := &Store{}
	for range 2000 {
		name := randomName()
		for _, prefix := range UploadPrefixesForTest {
			for _, ext := range extensions {
				key := prefix + name + "." + ext
				if !listed.generatedKey(key) || !anyPrefix.generatedKey(key) || !validKey(key) {
					t.Fatalf("%q is not a generated key", key)
				}
			}
		}
	}
	for _, fk := range ForeignKeys() {
		if listed.generatedKey(fk.Key) {
			t.Errorf("%s: %q is a generated key of a store with prefixes", fk.Why, fk.Key)
		}
		if anyPrefix.generatedKey(fk.Key) != fk.AnyPrefix {
			t.Errorf("%s: %q is a generated key of a store without prefixes: %v", fk.Why, fk.Key, !fk.AnyPrefix)
		}
	}
	name := randomName()
	for _, key := range []string{"", name, "/" + name + ".png", "//" + name + ".png", "a//" + name + ".png", "../" + name + ".png", "a/../" + name + ".png",
		"./" + name + ".png", ".tmp/" + name + ".png", `a\` + name + ".png", "a\x00/" + name + ".png", "a/" + name + ".png/"} {
		if anyPrefix.generatedKey(key) {
			t.Errorf("%q is a generated key", key)
		}
	}
}

// TestForeignKeysNotLookedUp: the handler answers 404 for a foreign key
// without asking the storage anything. A bucket store whose bucket is
// closed fails every call (a lookup would answer 503); a local store
// opens and keeps the directory of every key it looks up (servedDirs).
func TestForeignKeysNotLookedUp(t *testing.T) {
	ctx := context.Background()
	get := func(s *Store, key string) int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+key, nil))
		return rec.Code
	}
	opts := Options{Prefixes: UploadPrefixesForTest}

	t.Run("bucket", func(t *testing.T) {
		s, err := OpenWith(ctx, "mem://", opts)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.testBucket().Close()
		if code := get(s, "products/images/"+randomName()+".png"); code != http.StatusServiceUnavailable {
			t.Fatalf("a generated key on a failing bucket: %d, want 503 (the lookup fails)", code)
		}
		for _, fk := range ForeignKeys() {
			if code := get(s, fk.Key); code != http.StatusNotFound {
				t.Errorf("%s: GET %q: %d, want 404 without a lookup", fk.Why, fk.Key, code)
			}
		}
	})

	t.Run("disk", func(t *testing.T) {
		s, err := OpenWith(ctx, t.TempDir(), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// Each foreign key is there to be found: only the shape keeps it
		// out.
		for _, fk := range ForeignKeys() {
			if err := PlantForTest(s, fk.Key, []byte("FOREIGN")); err != nil {
				t.Fatal(err)
			}
		}
		for _, fk := range ForeignKeys() {
			if code := get(s, fk.Key); code != http.StatusNotFound {
				t.Errorf("%s: GET %q: %d, want 404", fk.Why, fk.Key, code)
			}
		}
		s.testLocal().servedDirs.Range(func(dir, _ any) bool {
			t.Errorf("directory %q opened for a foreign key", dir)
			return true
		})
		key := "products/images/" + randomName() + ".png"
		if code := get(s, key); code != http.StatusNotFound {
			t.Fatalf("missing generated key: %d", code)
		}
		if _, ok := s.testLocal().servedDirs.Load(path.Dir(key)); !ok {
			t.Fatal("a lookup under products/images did not open it: the seam this test relies on is gone")
		}
	})
}
