package server

import (
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
)

// fuzzServer is a server over the test catalog for a fuzz target; writes
// are allowed (admin token testToken).
func fuzzServer(f *testing.F) *Server {
	f.Helper()
	dir := f.TempDir()
	if _, err := indexer.Build(dir, testProducts(), indexer.BuildOptions{}); err != nil {
		f.Fatal(err)
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	return New(Config{AdminToken: testToken, ErrorLog: io.Discard}, e)
}

// FuzzSearchRequest: whatever the query string of /api/search, the answer
// is a 2xx or a 4xx in the error shape, never a 5xx or a panic.
func FuzzSearchRequest(f *testing.F) {
	for _, q := range []string{"q=手机&sort=sales", "q=%22苹果%22+-二手&brand=华为&price_min=1&price_max=x", "q=%ff%00&page=-1&size=999999",
		"q=耳机&region=bj&filter=stock&explain=true&profile=nope", "sort=price_asc&category=数码>手机&page=99999", "q=" + strings.Repeat("手", 300)} {
		f.Add(q)
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		u := &url.URL{Path: "/api/search", RawQuery: rawQuery}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL, req.RequestURI = u, ""
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", rawQuery, w.Code, w.Body.String())
		}
	})
}

// FuzzItemWrites: whatever the body of an upsert, a patch or a bulk
// update, the answer is never a 5xx or a panic.
func FuzzItemWrites(f *testing.F) {
	f.Add("POST", "/api/items", `{"id":"f1","title":"测试 手机","price":1,"stock":{"total":1,"regions":{"bj":1}}}`)
	f.Add("PATCH", "/api/items/p01", `{"price":"9.9","promo_price":0,"stock":{"regions":{"bj":2}}}`)
	f.Add("POST", "/api/items/_update", `{"updates":[{"id":"p01","stock":1},{"id":"nope","price":2},{"id":3}]}`)
	f.Add("POST", "/api/items", `[{"id":"a","title":"x"},{"id":"a","title":"y"}]`)
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, method, target, body string) {
		switch target {
		case "/api/items", "/api/items/_update", "/api/items/p01", "/api/items/p02":
		default:
			target = "/api/items/p01"
		}
		switch method {
		case "POST", "PATCH", "PUT", "DELETE":
		default:
			method = "POST"
		}
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, target, body, w.Code, w.Body.String())
		}
	})
}

// FuzzAdminDocuments: the admin API's documents — weight profiles, rules,
// lexicons — decode (decodeBody) and validate without a panic, and an
// error is always one with a code.
func FuzzAdminDocuments(f *testing.F) {
	f.Add(`{"name":"default","weights":{"text":1,"sales":0.3},"author":"a","note":"n"}`)
	f.Add(`{"id":"r1","query":"手机","action":"pin","items":["p01"],"starts_at":"2025-01-01T00:00:00Z"}`)
	f.Add(`{"words":[{"word":"苹果手机","freq":100}],"synonyms":[["手机","电话"]],"version":3}`)
	f.Add(`{"note":"a","note":"b"}`)
	f.Fuzz(func(t *testing.T, body string) {
		decode := func(v any) error {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("PUT", "/", strings.NewReader(body))
			err := decodeBody(c, v)
			if err != nil && models.ErrorCode(err) != models.EINVALID {
				t.Fatalf("%q: error without a code: %v", body, err)
			}
			return err
		}
		var wp models.WeightProfile
		if decode(&wp) == nil {
			rank.ValidateProfile(&wp)
		}
		var r models.Rule
		if decode(&r) == nil {
			rank.ValidateRule(&r)
		}
		var lx models.Lexicon
		if decode(&lx) == nil {
			ValidateLexicon(&lx)
		}
	})
}
