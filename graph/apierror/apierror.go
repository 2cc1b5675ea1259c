// Package apierror is the one list of the refusals mediagraph answers:
// every extensions.code as an exported constant, and the functions that
// give a GraphQL error its code (and extensions.field). The HTTP transport
// (graph/gqlhttp), the query limits and the error presenter (graph) all
// make their errors here, so a code is added in one place and has one
// name.
package apierror

import (
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/media"
)

// Codes of refusals during execution (HTTP 200 with errors).
const (
	// BadUserInput is a plain invalid value (an empty name, a bad Decimal).
	BadUserInput = "BAD_USER_INPUT"
	// NotFound is a mutation naming an unknown id.
	NotFound = "NOT_FOUND"
	// QueryTooComplex is an operation over the complexity or alias limit.
	QueryTooComplex = "QUERY_TOO_COMPLEX"
	// QueryTooDeep is an operation over the depth limit.
	QueryTooDeep = "QUERY_TOO_DEEP"
	// Internal hides an unexpected failure (logged with its detail).
	Internal = "INTERNAL_SERVER_ERROR"
)

// Codes of refused files: media names why it refused a file (media.Code),
// and the API answers with that name.
const (
	FileTooLarge        = string(media.CodeFileTooLarge)
	UnsupportedFileType = string(media.CodeUnsupportedFileType)
	InvalidImage        = string(media.CodeInvalidImage)
	ImageTooSmall       = string(media.CodeImageTooSmall)
	ImageTooLarge       = string(media.CodeImageTooLarge)
)

// Codes of a failure of the storage itself (not of the upload): nothing
// was kept, and retrying later may succeed. HTTP 200 during execution; 503
// or 507 while the transport stages a file.
const (
	StorageUnavailable = "STORAGE_UNAVAILABLE"
	StorageFull        = "STORAGE_FULL"
)

// Codes of refusals at the HTTP level, answered with their own status.
const (
	BadRequest        = "BAD_REQUEST"         // 400: a malformed request
	CSRFBlocked       = "CSRF_BLOCKED"        // 400: a multipart request without a preflight header
	TooManyOperations = "TOO_MANY_OPERATIONS" // 400: a batch over MAX_OPERATIONS
	Unauthenticated   = "UNAUTHENTICATED"     // 401: a write without a valid token
	MethodNotAllowed  = "METHOD_NOT_ALLOWED"  // 405: a mutation over GET
	RequestTimeout    = "REQUEST_TIMEOUT"     // 408: a body that stalled
	RequestTooLarge   = "REQUEST_TOO_LARGE"   // 413: a body, a field or a file count over its limit
)

// New is a GraphQL error with a code, and the argument path it names when
// field is not empty.
func New(code, message, field string) *gqlerror.Error {
	e := &gqlerror.Error{Message: message}
	Set(e, code, message, field)
	return e
}

// Set gives e (gqlgen's, with its path and locations) a client-safe
// message, a code, and the argument path it names when field is not empty.
func Set(e *gqlerror.Error, code, message, field string) {
	e.Message = message
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
	if field != "" {
		e.Extensions["field"] = field
	}
}

// Code is e's extensions.code, or "" when it has none.
func Code(e *gqlerror.Error) string {
	code, _ := e.Extensions["code"].(string)
	return code
}

// Storage is the code and the client-safe message of a storage failure
// (err is media.ErrStorage): full, or unavailable.
func Storage(err error) (code, message string) {
	if media.IsFull(err) {
		return StorageFull, "the file could not be stored: the storage is full"
	}
	return StorageUnavailable, "the file could not be stored: the storage is unavailable"
}
