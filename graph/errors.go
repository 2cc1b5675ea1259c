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
	"mediagraph/graph/apierror"
	"mediagraph/graph/scalar"
	"mediagraph/media"
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
	return &userError{Field: field, Code: apierror.BadUserInput, Message: fmt.Sprintf(format, args...)}
}

func notFound(field, what string, id int) error {
	return &userError{Field: field, Code: apierror.NotFound, Message: fmt.Sprintf("%s %d not found", what, id)}
}

// errorPresenter returns the gqlgen error presenter: it gives every known
// refusal its extensions.code (and extensions.field), and hides anything
// unexpected behind "internal error" after logging it.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
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
			apierror.Set(gqlErr, uerr.Code, uerr.Message, uerr.Field)
		case errors.As(err, &verr):
			apierror.Set(gqlErr, string(verr.Code), verr.Message, verr.Field)
		case errors.As(err, &derr):
			apierror.Set(gqlErr, apierror.BadUserInput, derr.Message, argumentPath(gqlErr.Path))
		case errors.As(err, &nerr):
			apierror.Set(gqlErr, apierror.NotFound, "not found", "")
		case errors.As(err, &eerr):
			apierror.Set(gqlErr, apierror.BadUserInput, "invalid value for "+eerr.Name, "")
		case errors.Is(err, media.ErrStorage):
			log.ErrorContext(ctx, "graphql: storage failure", "err", err, "path", gqlErr.Path.String())
			code, message := apierror.Storage(err)
			apierror.Set(gqlErr, code, message, "")
		case apierror.Code(gqlErr) != "":
			// gqlgen's own parse and validation errors, and coded errors
			// from extensions, are already client-safe.
		default:
			log.ErrorContext(ctx, "graphql: unexpected error", "err", err, "path", gqlErr.Path.String())
			apierror.Set(gqlErr, apierror.Internal, "internal error", "")
		}
		return gqlErr
	}
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

// recoverFunc logs a resolver panic and answers "internal error".
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver", "panic", v)
		return apierror.New(apierror.Internal, "internal error", "")
	}
}
