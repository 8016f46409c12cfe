package server

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPISpec is the API's OpenAPI 3.1 document, kept by hand next to the
// routes: openapi_test.go fails on a route, a path parameter or a status
// the document lacks, and validates the responses of the package's tests
// against its schemas.
//
//go:embed openapi.json
var openAPISpec []byte

// openAPI serves GET /api/openapi.json.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPISpec)
}

// OpenAPI returns the API's OpenAPI 3.1 document, as GET /api/openapi.json
// serves it.
func OpenAPI() []byte { return openAPISpec }
