package models

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error codes, defined once; the HTTP layer maps each to a status in one table.
const (
	EINVALID      = "invalid"      // the request or the data is malformed
	ENOTFOUND     = "not_found"    // no such item, profile or rule
	ECONFLICT     = "conflict"     // e.g. a duplicate id
	EUNAUTHORIZED = "unauthorized" // missing or wrong admin token
	ETOOLARGE     = "too_large"    // a size cap was exceeded
	EUNAVAILABLE  = "unavailable"  // a dependency is down
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is a domain error with a code a client can act on and a message a
// person can read.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for other errors (their details are for the log, not clients).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ClipRunes is how many characters of a value an error message quotes.
const ClipRunes = 40

// Clip shortens a value quoted in an error message to ClipRunes
// characters, marking the cut with "…".
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= ClipRunes {
		return s
	}
	return string([]rune(s)[:ClipRunes]) + "…"
}
