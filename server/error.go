package server

import (
	"errors"
	"fmt"
	"time"
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
	// RetryAfter says, on RATE_LIMITED, how long to wait before trying again.
	RetryAfter time.Duration
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

// RateLimitedf returns a RATE_LIMITED *Error that says to wait retryAfter; the message
// may use %[1]s for how long to wait as a person says it ("42 seconds").
func RateLimitedf(retryAfter time.Duration, format string) *Error {
	return &Error{Code: ERATELIMITED, Message: fmt.Sprintf(format, HumanDuration(retryAfter)), RetryAfter: retryAfter}
}

// RetryAfterSeconds returns how many whole seconds err asks to wait, rounded up; 0 when
// it asks for no wait.
func RetryAfterSeconds(err error) int {
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// HumanDuration writes d as a person says it, rounded up to the second: "a second",
// "42 seconds", "a minute", "5 minutes".
func HumanDuration(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	switch {
	case s <= 1:
		return "a second"
	case s == 60:
		return "a minute"
	case s%60 == 0:
		return fmt.Sprintf("%d minutes", s/60)
	}
	return fmt.Sprintf("%d seconds", s)
}
