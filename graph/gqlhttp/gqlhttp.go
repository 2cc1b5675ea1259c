// Package gqlhttp is GraphQL over HTTP for mediagraph: gqlgen's GET
// transport and a JSON POST one of its own, guarded by write tokens and
// method rules, and a multipart transport of its own for the GraphQL multipart request spec that
// checks auth, CSRF headers and size before reading the body, validates
// operations and map before any file, and streams every file part into a
// staged file (media.Staged), never whole into memory.
//
// Refusals at the HTTP level answer a GraphQL-shaped JSON body
// {"errors":[{"message":…,"extensions":{"code":…}}]} with the codes
// BAD_REQUEST (400), CSRF_BLOCKED (400), UNAUTHENTICATED (401),
// METHOD_NOT_ALLOWED (405), REQUEST_TIMEOUT (408), TOO_MANY_OPERATIONS
// (400), REQUEST_TOO_LARGE (413), and, when staging a file fails on the server's side,
// STORAGE_UNAVAILABLE (503) or STORAGE_FULL (507).
package gqlhttp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/graph/apierror"
	"mediagraph/media"
)

// Config is what the transports enforce. Zero limits are refused by
// validate (Transports fills in nothing but a default Log).
type Config struct {
	// Tokens are the accepted bearer tokens for writes. Empty: writes are open.
	Tokens []string
	// CSRFPrevention requires a non-empty preflight header on multipart
	// requests (as Apollo Server does).
	CSRFPrevention bool
	// MaxRequestBytes caps a whole request body.
	MaxRequestBytes int64
	// MaxJSONBytes caps a JSON body and the operations and map parts.
	MaxJSONBytes int64
	// MaxFiles caps the file parts of one multipart request.
	MaxFiles int
	// MaxOperations caps the operations of one batched multipart request.
	MaxOperations int
	// MaxFileBytes caps one file part (the largest file rule); a longer
	// part is staged as Exceeded and refused by its rule.
	MaxFileBytes int64
	// Stager stages file parts.
	Stager media.Stager
	// Log receives transport failures that the client does not see.
	Log *slog.Logger
}

// PreflightHeaders are the headers of which one, non-empty, lets a
// multipart request pass CSRF prevention.
var PreflightHeaders = []string{"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Require-Preflight"}

func (c *Config) validate() error {
	switch {
	case c.MaxRequestBytes <= 0:
		return errors.New("gqlhttp: MaxRequestBytes must be positive")
	case c.MaxJSONBytes <= 0:
		return errors.New("gqlhttp: MaxJSONBytes must be positive")
	case c.MaxFiles <= 0:
		return errors.New("gqlhttp: MaxFiles must be positive")
	case c.MaxOperations <= 0:
		return errors.New("gqlhttp: MaxOperations must be positive")
	case c.MaxFileBytes <= 0:
		return errors.New("gqlhttp: MaxFileBytes must be positive")
	case c.Stager == nil:
		return errors.New("gqlhttp: Stager is required")
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return nil
}

// Transports returns the transports to add to a gqlgen handler, in order:
// GET (queries only), JSON POST and multipart POST.
func Transports(cfg Config) ([]graphql.Transport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &cfg
	return []graphql.Transport{
		getTransport{c},
		postTransport{c},
		&multipartTransport{c},
	}, nil
}

// authorized reports whether the request carries one of the write tokens
// (or no tokens are configured).
func (c *Config) authorized(r *http.Request) bool {
	if len(c.Tokens) == 0 {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	token = strings.TrimSpace(token)
	granted := 0
	for _, t := range c.Tokens {
		granted |= subtle.ConstantTimeCompare([]byte(token), []byte(t))
	}
	return granted == 1
}

// refuse answers an HTTP-level refusal with a GraphQL-shaped body and closes
// the connection, so that an unread body is neither drained nor waited for.
func refuse(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Connection", "close")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="mediagraph"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Errors gqlerror.List `json:"errors"`
	}{gqlerror.List{apierror.New(code, message, "")}})
}

// tooLarge is the refusal of a body over limit bytes.
func tooLarge(limit int64) *httpError {
	return &httpError{http.StatusRequestEntityTooLarge, apierror.RequestTooLarge,
		fmt.Sprintf("request body is larger than %d bytes", limit)}
}

// readRefusal is the refusal for an error reading a request body: over
// limit bytes (413) or stalled (408); nil for anything else.
func readRefusal(err error, limit int64) *httpError {
	var over *http.MaxBytesError
	if errors.As(err, &over) {
		return tooLarge(limit)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return &httpError{http.StatusRequestTimeout, apierror.RequestTimeout, "the request body stalled"}
	}
	return nil
}

// getTransport is gqlgen's GET transport with mutations refused by 405.
type getTransport struct{ c *Config }

func (t getTransport) Supports(r *http.Request) bool { return transport.GET{}.Supports(r) }

func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	sw := &statusWriter{ResponseWriter: w}
	transport.GET{}.Do(sw, r, guardedExecutor{exec: exec, c: t.c, r: r, w: sw})
}

// postTransport is GraphQL over HTTP's JSON POST, as gqlgen's transport.POST
// answers it, with a size cap, write tokens checked once the operation is
// known, and the result written around its data as gqlgen's executor made
// it (writeResponse).
type postTransport struct{ c *Config }

func (t postTransport) Supports(r *http.Request) bool { return transport.POST{}.Supports(r) }

func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if r.ContentLength > t.c.MaxJSONBytes {
		e := tooLarge(t.c.MaxJSONBytes)
		refuse(w, e.status, e.code, e.message)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	r.Body = http.MaxBytesReader(w, r.Body, t.c.MaxJSONBytes)
	g := guardedExecutor{exec: exec, c: t.c, r: r, w: sw}
	ctx := r.Context()
	contentType := responseContentType(r)
	sw.Header()["Content-Type"] = []string{contentType}

	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		herr := readRefusal(err, t.c.MaxJSONBytes)
		if herr == nil {
			herr = badRequest("could not read the request body")
		}
		refuse(sw, herr.status, herr.code, herr.message)
		return
	}
	params := &graphql.RawParams{Headers: r.Header}
	if err := decodeJSON(body, params); err != nil {
		refuse(sw, http.StatusBadRequest, apierror.BadRequest, "request body is not a JSON GraphQL request: "+err.Error())
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := g.CreateOperationContext(ctx, params)
	if errs != nil {
		// gqlgen's statuses: 422 for a request error (which statusWriter
		// turns into 200 for application/json), 400 for
		// application/graphql-response+json.
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			if contentType == contentTypeGraphQLResponse {
				sw.WriteHeader(http.StatusBadRequest)
			} else {
				sw.WriteHeader(http.StatusUnprocessableEntity)
			}
		}
		t.write(sw, g.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	responses, ctx := g.DispatchOperation(ctx, rc)
	t.write(sw, responses(ctx))
}

func (t postTransport) write(w http.ResponseWriter, resp *graphql.Response) {
	if err := writeResponse(w, resp); err != nil {
		t.c.Log.Error("gqlhttp: encoding response", "err", err)
	}
}

const (
	contentTypeJSON            = "application/json"
	contentTypeGraphQLResponse = "application/graphql-response+json"
)

// responseContentType is the media type of the answer, as gqlgen chooses
// it: application/json unless the Accept header names
// application/graphql-response+json first, or accepts neither.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return contentTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", contentTypeJSON:
			return contentTypeJSON
		case contentTypeGraphQLResponse:
			return contentTypeGraphQLResponse
		}
	}
	return contentTypeGraphQLResponse
}

// writeResponse writes one GraphQL response. A plain result (data, no
// errors, extensions or incremental delivery) is written around its data
// as is, with its Content-Length (one write, no chunking): gqlgen's
// executor writes Data as compact JSON, which encoding/json would only
// scan and copy again (about 6% of the CPU of a list page). Anything else
// goes through encoding/json (and statusWriter may still rewrite it).
func writeResponse(w http.ResponseWriter, resp *graphql.Response) error {
	if len(resp.Data) > 0 && len(resp.Errors) == 0 && len(resp.Extensions) == 0 &&
		resp.Label == "" && resp.Path == nil && resp.HasNext == nil {
		out := make([]byte, 0, len(`{"data":}`)+len(resp.Data))
		out = append(out, `{"data":`...)
		out = append(out, resp.Data...)
		out = append(out, '}')
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(out))}
		_, err := w.Write(out)
		return err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		refuse(w, http.StatusInternalServerError, apierror.Internal, "internal error")
		return err
	}
	_, err = w.Write(out)
	return err
}

// statusWriter lets a guard decide the status that gqlgen's transport
// writes afterwards.
type statusWriter struct {
	http.ResponseWriter
	forced      int
	wroteHeader bool
	// requestError: the request failed before execution (parse,
	// validation, variable coercion). GraphQL over HTTP wants no "data"
	// entry then, and status 200 when the client accepts application/json.
	requestError bool
}

func (w *statusWriter) force(status int) { w.forced = status }

func (w *statusWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	switch {
	case w.forced != 0:
		status = w.forced
	case w.requestError && status == http.StatusUnprocessableEntity &&
		strings.HasPrefix(w.Header().Get("Content-Type"), "application/json"):
		// gqlgen answers 422; the GraphQL-over-HTTP spec wants 200 for
		// application/json (400 for application/graphql-response+json,
		// which gqlgen already gives).
		status = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write sends the forced status first (gqlgen writes no header when its
// own handling found nothing wrong), and drops the "data" entry of a
// request error's body.
func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.requestError {
		var body map[string]json.RawMessage
		if json.Unmarshal(p, &body) == nil {
			if _, ok := body["data"]; ok {
				delete(body, "data")
				if out, err := json.Marshal(body); err == nil {
					if _, err := w.ResponseWriter.Write(append(out, '\n')); err != nil {
						return 0, err
					}
					return len(p), nil
				}
			}
		}
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// guardedExecutor refuses, once the operation is parsed, a mutation over
// GET (405) and a mutation without a write token (401).
type guardedExecutor struct {
	exec graphql.GraphExecutor
	c    *Config
	r    *http.Request
	w    *statusWriter
}

func (g guardedExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	rc, errs := g.exec.CreateOperationContext(ctx, params)
	if errs != nil || rc.Operation == nil {
		g.w.requestError = true
		return rc, errs
	}
	op := rc.Operation.Operation
	switch {
	case g.r.Method == http.MethodGet && op != ast.Query:
		g.w.Header().Set("Allow", "POST")
		g.w.force(http.StatusMethodNotAllowed)
		g.w.requestError = true
		return rc, gqlerror.List{apierror.New(apierror.MethodNotAllowed, fmt.Sprintf("a %s is not allowed over GET; use POST", op), "")}
	case op == ast.Mutation && !g.c.authorized(g.r):
		g.w.Header().Set("WWW-Authenticate", `Bearer realm="mediagraph"`)
		g.w.force(http.StatusUnauthorized)
		g.w.requestError = true
		return rc, gqlerror.List{apierror.New(apierror.Unauthenticated, "a mutation needs Authorization: Bearer <token>", "")}
	}
	return rc, nil
}

func (g guardedExecutor) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return g.exec.DispatchOperation(ctx, rc)
}

func (g guardedExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	return g.exec.DispatchError(ctx, list)
}
