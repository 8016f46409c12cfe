package main

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"shopsearch/server"
	"shopsearch/server/apitest"
)

// TestMain checks every answer the package's tests get from a served API
// over the default HTTP client (the end-to-end, Redis, events, suggest and
// recommendation tests all use it) against the OpenAPI document, and
// fails the run on any answer the document does not allow.
func TestMain(m *testing.M) {
	runChild() // a fault test's child process runs its command and exits (fault_test.go)
	c, err := apitest.Load(server.OpenAPI())
	if err != nil {
		fmt.Fprintln(os.Stderr, "server/openapi.json:", err)
		os.Exit(1)
	}
	tr := &apitest.Transport{Contract: c, Next: http.DefaultTransport}
	http.DefaultClient.Transport = tr
	code := m.Run()
	_, violations := tr.Report()
	if testing.Verbose() || len(violations) > 0 {
		fmt.Fprintln(os.Stderr, tr.Summary())
	}
	if len(violations) > 0 && code == 0 {
		code = 1
	}
	os.Exit(code)
}
