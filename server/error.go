package server

import (
	"errors"
	"fmt"
)

// Error codes, named as the GraphQL contract names them in errors[].extensions.code.
const (
	EINVALID         = "BAD_USER_INPUT"
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
	ENOTFOUND        = "NOT_FOUND"
	ECONFLICT        = "CONFLICT"
	ERATELIMITED     = "RATE_LIMITED"
	EINTERNAL        = "INTERNAL"
)

// Error is the one error type of the server side: a code, a sentence for the person at the
// screen, and, for input errors, the field at fault. Anything that is not an *Error is an
// internal error and is shown as "Internal error."
type Error struct {
	Code    string
	Message string
	// Field names the input at fault as the contract spells it, e.g. "data.email".
	Field string
	// Current holds the user as stored now, on a CONFLICT from a stale updatedAt.
	Current *User
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("server error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("server error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns a BAD_USER_INPUT *Error about one input field.
func FieldErrorf(field string, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its own for an *Error, INTERNAL for anything else.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the sentence to show for err; it hides the text of internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
