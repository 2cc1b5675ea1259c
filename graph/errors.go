package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/ent"
	"mediagraph/graph/scalar"
	"mediagraph/media"
)

// Error codes of refusals during execution (extensions.code).
const (
	CodeBadUserInput = "BAD_USER_INPUT"
	CodeNotFound     = "NOT_FOUND"
	CodeInternal     = "INTERNAL_SERVER_ERROR"
	// The storage failed (not the upload): retrying later may succeed.
	CodeStorageUnavailable = "STORAGE_UNAVAILABLE"
	CodeStorageFull        = "STORAGE_FULL"
)

// userError is a refusal of a value the client sent, with the argument path
// (from the root field's arguments) it names.
type userError struct {
	Field   string
	Code    string
	Message string
}

func (e *userError) Error() string { return e.Message }

func badInput(field, format string, args ...any) error {
	return &userError{Field: field, Code: CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
}

func notFound(field, what string, id int) error {
	return &userError{Field: field, Code: CodeNotFound, Message: fmt.Sprintf("%s %d not found", what, id)}
}

// ErrorPresenter returns the gqlgen error presenter: it gives every known
// refusal its extensions.code (and extensions.field), and hides anything
// unexpected behind "internal error" after logging it.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var (
			uerr *userError
			verr *media.ValidationError
			derr *scalar.InputError
			nerr *ent.NotFoundError
			eerr *ent.ValidationError
		)
		switch {
		case errors.As(err, &uerr):
			setCode(gqlErr, uerr.Message, uerr.Code, uerr.Field)
		case errors.As(err, &verr):
			setCode(gqlErr, verr.Message, string(verr.Code), verr.Field)
		case errors.As(err, &derr):
			setCode(gqlErr, derr.Message, CodeBadUserInput, argumentPath(gqlErr.Path))
		case errors.As(err, &nerr):
			setCode(gqlErr, "not found", CodeNotFound, "")
		case errors.As(err, &eerr):
			setCode(gqlErr, "invalid value for "+eerr.Name, CodeBadUserInput, "")
		case errors.Is(err, media.ErrStorage):
			log.ErrorContext(ctx, "graphql: storage failure", "err", err, "path", gqlErr.Path.String())
			if media.IsFull(err) {
				setCode(gqlErr, "the file could not be stored: the storage is full", CodeStorageFull, "")
			} else {
				setCode(gqlErr, "the file could not be stored: the storage is unavailable", CodeStorageUnavailable, "")
			}
		case hasCode(gqlErr):
			// gqlgen's own parse and validation errors, and coded errors
			// from extensions, are already client-safe.
		default:
			log.ErrorContext(ctx, "graphql: unexpected error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			gqlErr.Extensions["code"] = CodeInternal
		}
		return gqlErr
	}
}

func setCode(gqlErr *gqlerror.Error, message, code, field string) {
	gqlErr.Message = message
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	gqlErr.Extensions["code"] = code
	if field != "" {
		gqlErr.Extensions["field"] = field
	}
}

func hasCode(gqlErr *gqlerror.Error) bool {
	_, ok := gqlErr.Extensions["code"]
	return ok
}

// argumentPath turns the path gqlgen gives an argument-coercion error
// (field name, then argument names) into an argument path ("input.price").
func argumentPath(p ast.Path) string {
	var parts []string
	for i, el := range p {
		if i == 0 {
			continue // the root field itself
		}
		switch el := el.(type) {
		case ast.PathName:
			parts = append(parts, string(el))
		case ast.PathIndex:
			parts = append(parts, fmt.Sprint(int(el)))
		}
	}
	return strings.Join(parts, ".")
}

// RecoverFunc logs a resolver panic and answers "internal error".
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver", "panic", v)
		return gqlerror.Errorf("internal error")
	}
}
