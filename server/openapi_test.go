package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/server/apitest"
	"shopsearch/store"
	"shopsearch/store/events"
)

// contract is the embedded OpenAPI document, loaded and checked once.
var contract = sync.OnceValues(func() (*apitest.Contract, error) { return apitest.Load(openAPISpec) })

func loadContract(t *testing.T) *apitest.Contract {
	t.Helper()
	c, err := contract()
	if err != nil {
		t.Fatalf("server/openapi.json: %v", err)
	}
	return c
}

// checkContract validates a response the tests got (do, server_test.go)
// against the document: its status must be documented for the operation
// and a JSON body must match the schema. Requests no documented operation
// matches (404 and 405 of unknown paths, test-only routes) are left out.
// The JSON body of a request the server accepted must match the
// operation's request schema.
func checkContract(t *testing.T, method, target string, header http.Header, body string, w *httptest.ResponseRecorder) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Header = header.Clone()
	if err := loadContract(t).Check(req, w.Code, w.Header(), w.Body.Bytes()); err != nil && !errors.Is(err, apitest.ErrNoOperation) {
		t.Error(err)
	}
	if w.Code < 300 {
		if err := loadContract(t).CheckRequestBody(req, []byte(body)); err != nil && !errors.Is(err, apitest.ErrNoOperation) {
			t.Error(err)
		}
	}
}

// newFullServer returns a server with every route serve has: search,
// items, suggest, events, recommendations and slot pins, the lexicon,
// merchandising, the console and the operators' routes.
func newFullServer(t *testing.T) (*Server, []string) {
	t.Helper()
	s, _, _ := newSuggestServer(t, Config{AdminToken: testToken})
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in := events.New(events.Config{}, st)
	sink := query.NewBehaviorSink(s.engine)
	stats := events.NewStats(events.StatsConfig{}, st, func(x []models.ItemStats) error { _, err := sink.Apply(x); return err })
	if _, err := s.WithEvents(events.Service{Ingester: in, Stats: stats, Queries: st}, EventsConfig{}); err != nil {
		t.Fatal(err)
	}
	profiles, err := rank.NewProfiles(st)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := rank.NewRulebook(st, query.RulebookConfig(dict.Default()))
	if err != nil {
		t.Fatal(err)
	}
	s.engine.SetMerch(profiles, rules)
	pins, err := NewSlotPins(st)
	if err != nil {
		t.Fatal(err)
	}
	s.WithRecommend(RecommendDeps{Scenes: staticScenes("p09", "p10", "p12", "p14", "p18"), Pins: pins})
	l, err := NewLexicons(st, LexiconConfig{Analyzer: dict.NewAnalyzer(dict.Default().Lexicon()), Engine: s.engine,
		Marker: filepath.Join(s.engine.GenerationDir(), LexiconMarkerFile), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s.WithLexicon(l)
	return s, []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}
}

// ginParam matches gin's :name and *name path segments.
var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// TestOpenAPICoversEveryRoute walks the router: every route must be an
// operation of the document with its path parameters, and every operation
// of the document a route.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	c := loadContract(t)
	s, _ := newFullServer(t)
	served := map[string]bool{}
	for _, r := range s.router.Routes() {
		p := ginParam.ReplaceAllString(r.Path, "{$1}")
		served[r.Method+" "+p] = true
		item := c.Doc.Paths.Value(p)
		if item == nil {
			t.Errorf("%s %s: path %s is not in server/openapi.json", r.Method, r.Path, p)
			continue
		}
		op := item.GetOperation(r.Method)
		if op == nil {
			t.Errorf("%s %s: no %s operation in server/openapi.json", r.Method, r.Path, r.Method)
			continue
		}
		params := append(slices.Clone(item.Parameters), op.Parameters...)
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			if params.GetByInAndName(openapi3.ParameterInPath, m[1]) == nil {
				t.Errorf("%s %s: path parameter %q is not documented", r.Method, r.Path, m[1])
			}
		}
		if op.Responses.Status(http.StatusOK) == nil && op.Responses.Status(http.StatusCreated) == nil {
			t.Errorf("%s %s: no success response documented", r.Method, r.Path)
		}
	}
	for p, item := range c.Doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+p] {
				t.Errorf("server/openapi.json has %s %s, which no route serves", method, p)
			}
		}
	}
}

// TestOpenAPIServed checks the document is served as it is embedded.
func TestOpenAPIServed(t *testing.T) {
	s := newServer(t, Config{})
	r := do(t, s, "GET", "/api/openapi.json", "")
	if r.status != 200 || r.body != string(openAPISpec) || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

// TestOpenAPIResponses sends one request to each public route and to the
// admin routes that read, and checks each answer against the document (as
// do does for every request of the package's tests).
func TestOpenAPIResponses(t *testing.T) {
	s, auth := newFullServer(t)
	get := func(target string, admin bool) response {
		t.Helper()
		if admin {
			return do(t, s, "GET", target, "", auth...)
		}
		return do(t, s, "GET", target, "")
	}
	for _, target := range []string{"/", "/admin", "/static/app.js", "/healthz", "/api/openapi.json",
		"/api/search?q=手机&size=3", "/api/search?q=华为手机&brand=华为&sort=price_asc&in_stock=true", "/api/search?q=zzzqqq",
		"/api/search?q=华为%20nokiax", "/api/search?page=0", "/api/items/p01", "/api/items/nope", "/api/suggest?q=sj",
		"/api/suggest?q=", "/api/hot", "/api/recommend?scene=home&user=u1", "/api/recommend?scene=detail&item=p01&explain=true",
		"/api/recommend?scene=nowhere"} {
		if r := get(target, false); r.status >= 500 {
			t.Errorf("GET %s: %d %s", target, r.status, r.body)
		}
	}
	do(t, s, "POST", "/api/events", `[{"type":"click","item_id":"p01","user_id":"u1"},{"type":"nope"}]`, "Content-Type", "application/json")
	do(t, s, "POST", "/api/events", `{"events":`, "Content-Type", "application/json")
	for _, target := range []string{"/api/admin/profiles", "/api/admin/profiles/default", "/api/admin/profiles/none",
		"/api/admin/selection", "/api/admin/rules", "/api/admin/rules/none", "/api/admin/queries?n=5", "/api/admin/lexicon",
		"/api/admin/lexicon/history", "/api/admin/lexicon/status", "/api/admin/lexicon/versions/1", "/api/admin/stats/queries",
		"/api/admin/stats/slots", "/api/admin/events/stats", "/api/admin/events/items/p01", "/api/admin/events/queries?days=7",
		"/api/admin/suggest/config", "/api/admin/slot-pins", "/api/admin/slot-pins/history", "/metrics", "/debug/pprof/cmdline",
		"/api/search?q=手机&explain=true"} {
		if r := get(target, true); r.status >= 500 {
			t.Errorf("GET %s: %d %s", target, r.status, r.body)
		}
		get(target, false) // 401
	}
	do(t, s, "POST", "/api/items", `{"id":"n1","title":"测试 手机壳","price":9.9}`, auth...)
	do(t, s, "PATCH", "/api/items/n1", `{"stock":3}`, auth...)
	do(t, s, "POST", "/api/items/_update", `[{"id":"n1","price":8.8},{"id":"nope","price":1}]`, auth...)
	do(t, s, "DELETE", "/api/items/n1", "", auth...)
	do(t, s, "POST", "/api/admin/preview", `{"query":"手机"}`, auth...)
	do(t, s, "POST", "/api/admin/lexicon/preview", `{"query":"手机"}`, auth...)
	do(t, s, "POST", "/api/admin/suggest/rebuild", "", auth...)
	do(t, s, "POST", "/api/admin/rules", `{"nope":1}`, auth...)
	do(t, s, "PUT", "/api/admin/slot-pins", `{}`, auth...)
	do(t, s, "PUT", "/api/admin/suggest/config", `{"hint":"手机"}`, auth...)
}

// TestOpenAPIDocumentsTyped: every JSON document an operation takes or
// answers has a schema that says what is in it, down to its nested
// objects, so that the checks of real answers (do) and of accepted
// request bodies check their fields. Only the OpenAPI document itself is
// described as an object (the OpenAPI specification describes it).
func TestOpenAPIDocumentsTyped(t *testing.T) {
	c := loadContract(t)
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Type.Includes(openapi3.TypeObject) && len(s.Properties) == 0 && s.AdditionalProperties.Schema == nil &&
			len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0 {
			t.Errorf("%s: an object with no properties", where)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		walk(where+"{}", s.AdditionalProperties.Schema)
		for i, x := range slices.Concat(s.OneOf, s.AnyOf, s.AllOf) {
			walk(fmt.Sprintf("%s|%d", where, i), x)
		}
	}
	n := 0
	for p, item := range c.Doc.Paths.Map() {
		if p == "/api/openapi.json" {
			continue
		}
		for method, op := range item.Operations() {
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					n++
					walk(method+" "+p+" request", mt.Schema)
				}
			}
			for code, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil {
					n++
					walk(method+" "+p+" "+code, mt.Schema)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d JSON documents in server/openapi.json", n)
	}
}

// TestOpenAPIAdminWrites sends a successful request to each admin write
// (do checks the accepted body against its request schema and the answer
// against its response schema), and reads what they made.
func TestOpenAPIAdminWrites(t *testing.T) {
	s, auth := newFullServer(t)
	for _, x := range []struct{ method, target, body string }{
		{"PUT", "/api/admin/profiles/default", `{"weights":{"text":1,"sales":0.3},"brand_boost":{"华为":0.2},"author":"alice","note":"n"}`},
		{"POST", "/api/admin/profiles/default/rollback", `{"version":1,"author":"bob"}`},
		{"PUT", "/api/admin/selection", `{"device":{"mobile":"default"},"ab":{"name":"t1","arms":[{"name":"a","profile":"default","weight":1},{"name":"b","profile":"default","weight":1}]},"author":"alice"}`},
		{"POST", "/api/admin/rules", `{"id":"r1","query":"手机","match":"contains","action":"pin","item_id":"p01","position":1,"author":"alice"}`},
		{"PUT", "/api/admin/rules/r1", `{"query":"手机","action":"boost","brand":"华为","weight":0.5,"author":"alice","start":"2026-01-01T00:00:00Z"}`},
		{"GET", "/api/admin/rules/r1", ""},
		{"POST", "/api/admin/preview", `{"top":3,"profile":{"weights":{"text":1,"sales":0.5}},"rules":[{"query":"手机","action":"hide","item_id":"p01"}]}`},
		{"POST", "/api/admin/preview", `{"queries":["手机","耳机"],"filters":{"brand":["华为"],"in_stock":true}}`},
		{"DELETE", "/api/admin/rules/r1", ""},
		{"PUT", "/api/admin/lexicon", `{"synonyms":["手机, 移动电话"],"words":[{"word":"猫咖","freq":100000,"tag":"n"}],"stopwords":["的"],"author":"alice","note":"n"}`},
		{"POST", "/api/admin/lexicon/preview", `{"query":"移动电话","draft":{"synonyms":["手机, 移动电话"]},"n":3}`},
		{"POST", "/api/admin/lexicon/rollback", `{"version":0,"author":"bob"}`},
		{"GET", "/api/admin/lexicon/history", ""},
		{"GET", "/api/admin/sensitive", ""},
		{"GET", "/api/admin/sensitive/history", ""},
		{"GET", "/api/admin/sensitive/matches", ""},
		{"PUT", "/api/admin/slot-pins", `{"version":0,"author":"alice","note":"launch","pins":[{"scene":"home","item_id":"p09","position":1,"regions":["sh"],"from":"2026-01-01T00:00:00Z"}]}`},
		{"GET", "/api/admin/slot-pins/history", ""},
		{"PUT", "/api/admin/suggest/config", `{"hint":"手机","hot_pins":["耳机"],"pins":[{"input":"sj","text":"手机"}],"deny":["假货"]}`},
		{"POST", "/api/admin/suggest/rebuild", ""},
		{"PATCH", "/api/items/p01", `{"stock":{"total":3,"regions":{"bj":3}},"price":"19999.9","platform":"自营"}`},
		{"POST", "/api/items/_update", `{"updates":[{"id":"p01","stock":1},{"id":"nope","stock":2}]}`},
		{"POST", "/api/items", `[{"id":"w1","title":"测试 手机壳","price":"9.9","category":["数码","手机壳"],"regions":"bj|sh","listed_at":"2026-01-01"}]`},
	} {
		if r := do(t, s, x.method, x.target, x.body, auth...); r.status >= 300 {
			t.Errorf("%s %s: %d %s", x.method, x.target, r.status, r.body)
		}
	}
}
