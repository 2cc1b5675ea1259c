package media

import (
	"context"
	"os"
	"path"
	"strings"

	"gocloud.dev/blob"
)

// What the external tests (package media_test) need of the package's
// insides.

// GeneratedNameForTest is a name Put could give a file (randomName).
func GeneratedNameForTest() string { return randomName() }

// PlantForTest writes body at key straight into the store's storage, past
// Put and its rules on keys: what other software sharing the bucket or
// the directory can leave there.
func PlantForTest(s *Store, key string, body []byte) error {
	if s.testBucket() != nil {
		// With the Content-Type Put would have stored for its extension.
		opts := &blob.WriterOptions{ContentType: ContentTypeForExt(strings.TrimPrefix(path.Ext(key), "."))}
		return s.testBucket().WriteAll(context.Background(), key, body, opts)
	}
	if dir := path.Dir(key); dir != "." {
		if err := s.testRoot().MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return s.testRoot().WriteFile(key, body, 0o644)
}

// PlantUntypedForTest writes an object to a bucket store as other software
// would: without the Content-Type Put stores.
func PlantUntypedForTest(s *Store, key string, body []byte) error {
	return s.testBucket().WriteAll(context.Background(), key, body, &blob.WriterOptions{ContentType: "application/octet-stream"})
}

// ForeignKey is a key of storage shared with other software that Put never
// makes.
type ForeignKey struct {
	Why string
	Key string
	// AnyPrefix: a generated name under a prefix that is not listed. A
	// store without Options.Prefixes takes it for its own (any valid
	// prefix is an upload prefix then); one with them refuses it.
	AnyPrefix bool
}

// UploadPrefixesForTest are the prefixes ForeignKeys lists as in use (the
// server's).
var UploadPrefixesForTest = []string{"products/images/", "documents/", "images/"}

// ForeignKeys are keys that look like media's, each but for one thing, for
// a store with UploadPrefixesForTest.
func ForeignKeys() []ForeignKey {
	name := randomName() // ends in one of a, e, i, m, q, u, y, 4
	return []ForeignKey{
		{Why: "no prefix", Key: name + ".png"},
		{Why: "a name we never make (listed prefix)", Key: "products/images/passwd.png"},
		{Why: "a name we never make, no extension", Key: "documents/passwd"},
		{Why: "unknown extension", Key: "products/images/" + name + ".html"},
		{Why: "bin (never stored)", Key: "documents/" + name + ".bin"},
		{Why: "upper-case extension", Key: "images/" + name + ".PNG"},
		{Why: "two extensions", Key: "documents/" + name + ".pdf.html"},
		{Why: "no extension", Key: "documents/" + name},
		{Why: "empty extension", Key: "documents/" + name + "."},
		{Why: "upper-case name", Key: "products/images/" + strings.ToUpper(name) + ".png"},
		{Why: "25 characters", Key: "products/images/" + name[:25] + ".png"},
		{Why: "27 characters", Key: "products/images/" + name + "a.png"},
		{Why: "a last character randomName never ends with", Key: "products/images/" + name[:25] + "b.png"},
		{Why: "a character outside the alphabet", Key: "products/images/" + name[:10] + "1" + name[11:] + ".png"},
		{Why: "a dotfile", Key: "products/images/." + name + ".png"},
		{Why: "unlisted prefix", Key: "other-app/" + name + ".png", AnyPrefix: true},
		{Why: "parent of a listed prefix", Key: "products/" + name + ".png", AnyPrefix: true},
		{Why: "under a listed prefix", Key: "products/images/old/" + name + ".png", AnyPrefix: true},
	}
}

// ExistsForTest reports whether the storage holds something at key,
// whatever its shape (Stat refuses dotfiles).
func ExistsForTest(s *Store, key string) bool {
	if s.testBucket() != nil {
		ok, err := s.testBucket().Exists(context.Background(), key)
		return ok && err == nil
	}
	_, err := s.testRoot().Lstat(key)
	return err == nil
}

// CheckDecodingForTest is the full-decode reference of Store.Check.
func (r Rule) CheckDecodingForTest(s *Staged) error { return r.checkDecoding(s) }

// The backends' insides, for the tests that plant or inspect files; nil
// for the other backend.
func (s *Store) testBucket() *blob.Bucket {
	if b, ok := s.backend.(*bucketBackend); ok {
		return b.bucket
	}
	return nil
}

func (s *Store) testLocal() *localBackend {
	l, _ := s.backend.(*localBackend)
	return l
}

func (s *Store) testRoot() *os.Root {
	if l := s.testLocal(); l != nil {
		return l.root
	}
	return nil
}

// WaitVariantJobsForTest waits for the variants in the making to be done
// with, OnMade included: a first GET answers once its own variant is
// stored, before its image's others.
func WaitVariantJobsForTest(s *Store) {
	r := s.renditions
	r.mu.Lock()
	var jobs []*variantJob
	for _, j := range r.jobs {
		jobs = append(jobs, j)
	}
	r.mu.Unlock()
	for _, j := range jobs {
		<-j.done
	}
}
