package gqlhttp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/graph/apierror"
	"mediagraph/media"
)

// multipartTransport implements the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec).
type multipartTransport struct{ c *Config }

func (t *multipartTransport) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "multipart/form-data"
}

// httpError is a refusal with its status and code.
type httpError struct {
	status  int
	code    string
	message string
}

func (e *httpError) Error() string { return e.message }

func badRequest(format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, apierror.BadRequest, fmt.Sprintf(format, args...)}
}

func (t *multipartTransport) tooLarge() *httpError { return tooLarge(t.c.MaxRequestBytes) }

func (t *multipartTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// Decided before a byte of the body is read.
	if !t.c.authorized(r) {
		refuse(w, http.StatusUnauthorized, apierror.Unauthenticated, "a multipart request needs Authorization: Bearer <token>")
		return
	}
	if t.c.CSRFPrevention && !hasPreflightHeader(r) {
		refuse(w, http.StatusBadRequest, apierror.CSRFBlocked,
			"this multipart request was blocked as a possible CSRF: send a non-empty Apollo-Require-Preflight (or X-Apollo-Operation-Name, or GraphQL-Require-Preflight) header")
		return
	}
	if r.ContentLength > t.c.MaxRequestBytes {
		e := t.tooLarge()
		refuse(w, e.status, e.code, e.message)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, t.c.MaxRequestBytes)

	req := &multipartRequest{t: t, r: r}
	defer req.close()
	if err := req.read(); err != nil {
		var herr *httpError
		if !errors.As(err, &herr) {
			t.c.Log.WarnContext(r.Context(), "gqlhttp: multipart request failed", "err", err)
			herr = badRequest("the multipart request could not be read")
		}
		refuse(w, herr.status, herr.code, herr.message)
		return
	}
	req.execute(w, exec)
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range PreflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

// multipartRequest is one multipart request being read.
type multipartRequest struct {
	t          *multipartTransport
	r          *http.Request
	batch      bool
	operations []map[string]any
	staged     []*media.Staged // every staged file, removed at the end
}

// bodyBufferSize is the buffer request bodies are read through for
// mime/multipart, which reads through a 4 KiB buffer of its own:
// unbuffered, every 4 KiB of an upload costs a read(2) of its own (256 for
// a 1 MB file).
const bodyBufferSize = 64 << 10

// multipartReader is http.Request.MultipartReader over the buffered body.
func multipartReader(r *http.Request, body io.Reader) (*multipart.Reader, error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, http.ErrNotMultipart
	}
	boundary, ok := params["boundary"]
	if !ok {
		return nil, http.ErrMissingBoundary
	}
	return multipart.NewReader(body, boundary), nil
}

func (m *multipartRequest) close() {
	for _, s := range m.staged {
		s.Close()
	}
}

func (m *multipartRequest) read() error {
	// Not pooled: a staging read-ahead goroutine can still be reading it
	// when the request is done (it stops at its next chunk).
	mr, err := multipartReader(m.r, bufio.NewReaderSize(m.r.Body, bodyBufferSize))
	if err != nil {
		return badRequest("invalid multipart/form-data body: %v", err)
	}
	opsPart, err := m.nextPart(mr, "operations")
	if err != nil {
		return err
	}
	if err := m.readOperations(opsPart); err != nil {
		return err
	}
	mapPart, err := m.nextPart(mr, "map")
	if err != nil {
		return err
	}
	fileMap, order, err := m.readMap(mapPart)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(fileMap))
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m.bodyError(err)
		}
		name := part.FormName()
		paths, ok := fileMap[name]
		if !ok {
			return badRequest("file part %q is not named in map", name)
		}
		if seen[name] {
			return badRequest("file part %q appears twice", name)
		}
		seen[name] = true
		if err := m.stagePart(part, paths); err != nil {
			return err
		}
	}
	for _, name := range order {
		if !seen[name] {
			return badRequest("file part %q named in map is missing", name)
		}
	}
	return nil
}

// nextPart returns the next part, which the spec requires to be the named
// field.
func (m *multipartRequest) nextPart(mr *multipart.Reader, name string) (*multipart.Part, error) {
	part, err := mr.NextPart()
	if err == io.EOF {
		return nil, badRequest("the multipart request has no %q field", name)
	}
	if err != nil {
		return nil, m.bodyError(err)
	}
	if part.FormName() != name {
		return nil, badRequest("expected the %q field, got %q (operations, then map, then the files)", name, part.FormName())
	}
	return part, nil
}

// bodyError maps an error reading the body: over the size cap is 413,
// anything else (a malformed body, a client gone) is 400.
func (m *multipartRequest) bodyError(err error) error {
	if errors.Is(err, media.ErrStorage) {
		m.t.c.Log.ErrorContext(m.r.Context(), "gqlhttp: staging an upload failed", "err", err)
		code, message := apierror.Storage(err)
		if code == apierror.StorageFull {
			return &httpError{http.StatusInsufficientStorage, code, message}
		}
		return &httpError{http.StatusServiceUnavailable, code, message}
	}
	if herr := readRefusal(err, m.t.c.MaxRequestBytes); herr != nil {
		return herr
	}
	if m.r.Context().Err() != nil {
		return fmt.Errorf("reading multipart body: %w", err)
	}
	return badRequest("invalid multipart/form-data body: %v", err)
}

func (m *multipartRequest) readJSONPart(part io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(part, m.t.c.MaxJSONBytes+1))
	if err != nil {
		return nil, m.bodyError(err)
	}
	if int64(len(data)) > m.t.c.MaxJSONBytes {
		return nil, &httpError{http.StatusRequestEntityTooLarge, apierror.RequestTooLarge,
			fmt.Sprintf("the %q field is larger than %d bytes", name, m.t.c.MaxJSONBytes)}
	}
	return data, nil
}

func (m *multipartRequest) readOperations(part io.Reader) error {
	data, err := m.readJSONPart(part, "operations")
	if err != nil {
		return err
	}
	var v any
	if err := decodeJSON(data, &v); err != nil {
		return badRequest("operations is not valid JSON: %v", err)
	}
	switch v := v.(type) {
	case map[string]any:
		m.operations = []map[string]any{v}
	case []any:
		if len(v) == 0 {
			return badRequest("operations is an empty batch")
		}
		if len(v) > m.t.c.MaxOperations {
			return &httpError{http.StatusBadRequest, apierror.TooManyOperations,
				fmt.Sprintf("the batch has %d operations; at most %d are allowed", len(v), m.t.c.MaxOperations)}
		}
		m.batch = true
		for i, op := range v {
			obj, ok := op.(map[string]any)
			if !ok {
				return badRequest("operations[%d] is not an object", i)
			}
			m.operations = append(m.operations, obj)
		}
	default:
		return badRequest("operations must be an object or an array of objects")
	}
	return nil
}

// readMap reads and checks the map: at most MaxFiles parts, and every path
// names a null variable of an operation.
func (m *multipartRequest) readMap(part io.Reader) (map[string][]string, []string, error) {
	data, err := m.readJSONPart(part, "map")
	if err != nil {
		return nil, nil, err
	}
	var fileMap map[string][]string
	if err := decodeJSON(data, &fileMap); err != nil {
		return nil, nil, badRequest("map is not a JSON object of arrays of paths: %v", err)
	}
	if len(fileMap) > m.t.c.MaxFiles {
		return nil, nil, &httpError{http.StatusRequestEntityTooLarge, apierror.RequestTooLarge,
			fmt.Sprintf("the request has %d files; at most %d are allowed", len(fileMap), m.t.c.MaxFiles)}
	}
	order := make([]string, 0, len(fileMap))
	for name, paths := range fileMap {
		if len(paths) == 0 {
			return nil, nil, badRequest("map entry %q names no path", name)
		}
		for _, p := range paths {
			if err := m.checkPath(p); err != nil {
				return nil, nil, err
			}
		}
		order = append(order, name)
	}
	return fileMap, order, nil
}

// target resolves a map path to the operation's variables container
// holding it, and the key or index within.
func (m *multipartRequest) target(path string) (container any, key string, err error) {
	parts := strings.Split(path, ".")
	op := 0
	if m.batch {
		i, err := strconv.Atoi(parts[0])
		if err != nil || i < 0 || i >= len(m.operations) {
			return nil, "", badRequest("map path %q does not name an operation of the batch", path)
		}
		op, parts = i, parts[1:]
	}
	if len(parts) < 2 || parts[0] != "variables" {
		return nil, "", badRequest("map path %q does not name a variable", path)
	}
	var cur any = m.operations[op]
	for i, p := range parts[:len(parts)-1] {
		next, ok := child(cur, p)
		if !ok {
			return nil, "", badRequest("map path %q does not name a variable (at %q)", path, strings.Join(parts[:i+1], "."))
		}
		cur = next
	}
	last := parts[len(parts)-1]
	v, ok := child(cur, last)
	if !ok {
		return nil, "", badRequest("map path %q does not name a variable", path)
	}
	if v != nil {
		return nil, "", badRequest("map path %q names a variable that is not null", path)
	}
	return cur, last, nil
}

func (m *multipartRequest) checkPath(path string) error {
	_, _, err := m.target(path)
	return err
}

func child(container any, key string) (any, bool) {
	switch c := container.(type) {
	case map[string]any:
		v, ok := c[key]
		return v, ok
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(c) {
			return nil, false
		}
		return c[i], true
	}
	return nil, false
}

func set(container any, key string, v any) {
	switch c := container.(type) {
	case map[string]any:
		c[key] = v
	case []any:
		i, _ := strconv.Atoi(key)
		c[i] = v
	}
}

// stagePart streams one file part into a staged file and puts an Upload at
// each of its paths. A part mapped to several paths is copied, so that each
// variable owns its file.
func (m *multipartRequest) stagePart(part *multipart.Part, paths []string) error {
	ctx := m.r.Context()
	s, err := m.t.c.Stager.Stage(ctx, part, part.FileName(), m.t.c.MaxFileBytes)
	if err != nil {
		return m.bodyError(err)
	}
	m.staged = append(m.staged, s)
	for i, p := range paths {
		file := s
		if i > 0 {
			file, err = m.copyStaged(s)
			if err != nil {
				return err
			}
		}
		container, key, err := m.target(p)
		if err != nil {
			return err
		}
		set(container, key, graphql.Upload{
			File:        file.File(), // the resolvers store it as staged
			Filename:    file.Name,
			Size:        file.Size,
			ContentType: part.Header.Get("Content-Type"),
		})
	}
	return nil
}

func (m *multipartRequest) copyStaged(s *media.Staged) (*media.Staged, error) {
	rc, err := s.Open()
	if err != nil {
		return nil, fmt.Errorf("gqlhttp: reopening staged file: %w", err)
	}
	defer rc.Close()
	c, err := m.t.c.Stager.Stage(m.r.Context(), rc, s.Name, m.t.c.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("gqlhttp: copying staged file: %w", err)
	}
	m.staged = append(m.staged, c)
	return c, nil
}

// execute runs each operation and writes the response (an array for a
// batch).
func (m *multipartRequest) execute(w http.ResponseWriter, exec graphql.GraphExecutor) {
	ctx := m.r.Context()
	responses := make([]*graphql.Response, len(m.operations))
	for i, op := range m.operations {
		params := &graphql.RawParams{Headers: m.r.Header}
		params.ReadTime.Start = graphql.Now()
		var ok bool
		if params.Query, ok = op["query"].(string); !ok {
			responses[i] = exec.DispatchError(ctx, gqlerror.List{apierror.New(apierror.BadRequest, "operation has no query string", "")})
			continue
		}
		params.OperationName, _ = op["operationName"].(string)
		params.Variables, _ = op["variables"].(map[string]any)
		params.Extensions, _ = op["extensions"].(map[string]any)
		params.ReadTime.End = graphql.Now()
		rc, errs := exec.CreateOperationContext(ctx, params)
		if errs != nil {
			responses[i] = exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
			continue
		}
		handler, opCtx := exec.DispatchOperation(ctx, rc)
		responses[i] = handler(opCtx)
	}
	w.Header().Set("Content-Type", "application/json")
	var body any = responses[0]
	if m.batch {
		body = responses
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(body); err != nil {
		m.t.c.Log.ErrorContext(ctx, "gqlhttp: encoding response", "err", err)
		refuse(w, http.StatusInternalServerError, apierror.Internal, "internal error")
		return
	}
	w.Write(buf.Bytes())
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
