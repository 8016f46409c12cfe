// Package apitest checks HTTP exchanges against the API's OpenAPI document
// (server/openapi.json), for the tests of server and of cmd; it is a
// package of its own so that both can use it and the binary never links
// the OpenAPI library. kin-openapi validates OpenAPI 3.1 documents with
// its JSON Schema 2020-12 validator.
package apitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Contract is a loaded, validated OpenAPI document with a router over its
// operations.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router
}

// Load parses and validates an OpenAPI document.
func Load(spec []byte) (*Contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // match requests to any host
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Contract{Doc: doc, router: r}, nil
}

// paramName matches the names of parameters the API could have.
var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ErrNoOperation is returned by Check for a request that no operation of
// the document matches (an unknown path, a test-only route).
var ErrNoOperation = errors.New("no operation of the document matches the request")

// Check validates one answer to req: its status must be documented for
// the operation, a JSON body must match the operation's schema, and a
// successful answer's query parameters must be the operation's.
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) error {
	if unrouted(status, body) {
		return ErrNoOperation
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		return ErrNoOperation
	}
	if status < 300 {
		// A parameter the server accepted must be documented. Names that
		// are not words (empty, binary: the hostile-input tests') are
		// junk the server ignores.
		params := append(slices.Clone(route.PathItem.Parameters), route.Operation.Parameters...)
		for name := range req.URL.Query() {
			if paramName.MatchString(name) && params.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
				return fmt.Errorf("%s %s answered %d with query parameter %q, which the OpenAPI document does not list",
					req.Method, req.URL.RequestURI(), status, name)
			}
		}
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	if mt != "application/json" || status == http.StatusNotModified {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %w\nbody: %.300s",
			req.Method, req.URL.RequestURI(), status, err, body)
	}
	return nil
}

// CheckRequestBody validates the JSON body of a request the server
// accepted against the operation's request schema: a document the server
// takes must be one the document describes. Requests with no JSON body
// or no documented JSON request body are not checked.
func (c *Contract) CheckRequestBody(req *http.Request, body []byte) error {
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/json" || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		return ErrNoOperation
	}
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil || rb.Value.Content.Get("application/json") == nil {
		return nil
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestQueryParams: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequestBody(context.Background(), in, rb.Value); err != nil {
		return fmt.Errorf("%s %s was accepted with a body the OpenAPI document does not allow: %w\nbody: %.300s",
			req.Method, req.URL.RequestURI(), err, body)
	}
	return nil
}

// Transport is an http.RoundTripper that checks every answer it carries
// against a Contract and keeps the violations. A request's body is not
// read: the checks are of answers.
type Transport struct {
	Contract *Contract
	Next     http.RoundTripper // http.DefaultTransport when nil

	mu         sync.Mutex
	violations []string
	checked    int
}

// RoundTrip sends req and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	creq := req.Clone(context.Background())
	creq.Body = http.NoBody
	cerr := t.Contract.Check(creq, resp.StatusCode, resp.Header, body)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case cerr == nil:
		t.checked++
	case !errors.Is(cerr, ErrNoOperation):
		t.violations = append(t.violations, cerr.Error())
	}
	return resp, nil
}

// Report returns how many answers were checked and the violations found.
func (t *Transport) Report() (checked int, violations []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.checked, slices.Clone(t.violations)
}

// Summary is Report as a line for a test's log, and the violations.
func (t *Transport) Summary() string {
	n, v := t.Report()
	if len(v) == 0 {
		return fmt.Sprintf("OpenAPI contract: %d answers checked, none broke it", n)
	}
	return fmt.Sprintf("OpenAPI contract: %d answers checked, %d broke it:\n%s", n+len(v), len(v), strings.Join(v, "\n"))
}

// unrouted reports an answer of the router itself rather than of an
// operation: a 405 (method_not_allowed) or the 404 of a path no route
// has, which the document describes once for every path.
func unrouted(status int, body []byte) bool {
	return status == http.StatusMethodNotAllowed ||
		status == http.StatusNotFound && bytes.Contains(body, []byte(`"message":"no route for `))
}
