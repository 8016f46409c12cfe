package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	models.EINVALID:      http.StatusBadRequest,
	models.ENOTFOUND:     http.StatusNotFound,
	models.ECONFLICT:     http.StatusConflict,
	models.EUNAUTHORIZED: http.StatusUnauthorized,
	models.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	models.EUNAVAILABLE:  http.StatusServiceUnavailable,
	models.EINTERNAL:     http.StatusInternalServerError,
}

// codeMethodNotAllowed is the code of a 405. It is about HTTP, not the
// domain, so it lives here rather than in models.
const codeMethodNotAllowed = "method_not_allowed"

// codeUnsupportedMediaType is the code of a 415: a write whose body is not
// declared as JSON.
const codeUnsupportedMediaType = "unsupported_media_type"

// mediaTypeError is a write whose Content-Type is not the one it must be
// (JSON unless want says otherwise).
type mediaTypeError struct{ got, want string }

func (e *mediaTypeError) Error() string {
	got := e.got
	if got == "" {
		got = "none"
	}
	if e.want != "" {
		return fmt.Sprintf("the body must be %s; got Content-Type %s", e.want, clip(got))
	}
	return fmt.Sprintf("the body must be JSON sent with Content-Type: application/json; got Content-Type %s", clip(got))
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// methodError is a request for a method the route does not have.
type methodError struct{ method, allow string }

func (e *methodError) Error() string {
	return "method " + e.method + " is not allowed here; allowed: " + e.allow
}

func errMethod(method, allow string) error { return &methodError{method, allow} }

// fail aborts the request with the JSON error for err. Errors without a
// domain code are internal: they are logged and their details withheld.
func (s *Server) fail(c *gin.Context, err error) {
	c.Abort()
	var me *methodError
	if errors.As(err, &me) {
		s.respondError(c, http.StatusMethodNotAllowed, codeMethodNotAllowed, me.Error())
		return
	}
	var mte *mediaTypeError
	if errors.As(err, &mte) {
		s.respondError(c, http.StatusUnsupportedMediaType, codeUnsupportedMediaType, mte.Error())
		return
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		err = models.Errorf(models.ETOOLARGE, "the request body is over the limit of %d bytes", tooBig.Limit)
	case errors.Is(err, context.DeadlineExceeded):
		err = models.Errorf(models.EUNAVAILABLE, "the search took too long; try again or narrow it")
	}
	code := models.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, models.EINTERNAL
	}
	if code == models.EINTERNAL {
		s.logError(c, "internal error", err)
	}
	s.respondError(c, status, code, models.ErrorMessage(err))
}

func (s *Server) respondError(c *gin.Context, status int, code, message string) {
	s.respond(c, status, errorBody{Code: code, Message: message})
}

// respond writes v as JSON. Unlike gin's c.JSON it leaves <, > and & as
// they are, so highlights read <em> rather than \u003cem\u003e.
func (s *Server) respond(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.errLog.Printf("encode response for %s: %v", c.Request.URL.Path, err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"code":"internal","message":"internal error"}` + "\n")
	}
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
}
