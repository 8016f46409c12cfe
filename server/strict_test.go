package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
)

// Writes are JSON, said so, and held to the strict rules of the indexer's
// decoders; a refused write changes nothing.
func TestStrictWrites(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	token := []string{"Authorization", "Bearer " + testToken}
	good := `{"id":"s1","title":"严格 输入 测试"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp", "nonsense;;"} {
		h := append(append([]string{}, token...), "Content-Type", ct) // "": none
		for _, w := range []struct{ method, target, body string }{
			{"POST", "/api/items", good},
			{"PATCH", "/api/items/p01", `{"stock":1}`},
			{"POST", "/api/items/_update", `[{"id":"p01","stock":1}]`},
			{"PUT", "/api/admin/profiles/default", `{}`},
		} {
			e := do(t, s, w.method, w.target, w.body, h...).errorOf(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
			if !strings.Contains(e.Message, "Content-Type: application/json") {
				t.Errorf("%s %s with %q: %q", w.method, w.target, ct, e.Message)
			}
		}
	}
	// The token is checked first: no hint about types without it.
	do(t, s, "POST", "/api/items", good, "Content-Type", "text/plain").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	if r := do(t, s, "GET", "/api/items/s1", ""); r.status != http.StatusNotFound {
		t.Fatalf("refused upsert applied: %d %s", r.status, r.body)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"} {
		h := append(append([]string{}, token...), "Content-Type", ct)
		if r := do(t, s, "POST", "/api/items", good, h...); r.status != http.StatusOK {
			t.Errorf("%q refused: %d %s", ct, r.status, r.body)
		}
	}
	for _, tc := range []struct{ method, target, body, msg string }{
		{"POST", "/api/items", `{"id":7,"title":"t"}`, "id: want a string, got a number"},
		{"POST", "/api/items", `{"id":"s2","title":"a\u0000b"}`, "title: control character U+0000"},
		{"POST", "/api/items", "{\"id\":\"s2\",\"title\":\"a\xffb\"}", "title: invalid UTF-8"},
		{"POST", "/api/items", `{"id":"s2","title":"a","title":"b"}`, `duplicate field "title"`},
		{"PATCH", "/api/items/p01", `{"stock":1,"stock":2}`, `duplicate field "stock"`},
	} {
		e := do(t, s, tc.method, tc.target, tc.body, adminAuth...).errorOf(t, http.StatusBadRequest, models.EINVALID)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %q, want %q", tc.body, e.Message, tc.msg)
		}
	}
	r := do(t, s, "POST", "/api/items/_update", `[{"id":12,"stock":1},{"id":"p01","stock":1,"stock":2}]`, adminAuth...)
	if r.status != 200 || !strings.Contains(r.body, `"applied":0`) || strings.Count(r.body, `"code":"invalid"`) != 2 {
		t.Errorf("bulk update with a numeric id and a repeated field: %d %s", r.status, r.body)
	}
}

// Admin documents (profiles, rules, lexicon, slot pins…) are held to the
// same rules by decodeBody.
func TestDecodeBodyStrict(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"note":"a","note":"b"}`, `duplicate field "note"`},
		{"{\"note\":\"\xff\"}", "note: invalid UTF-8"},
		{`{"weights":{"sales":1,"sales":2}}`, `weights: duplicate key "sales"`},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("PUT", "/", strings.NewReader(tc.body))
		var v map[string]any
		err := decodeBody(c, &v)
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
}
