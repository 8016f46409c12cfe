package server

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/store"
)

// newMerchServer returns a server whose engine has profiles and rules on a
// real embedded store, and the admin headers.
func newMerchServer(t *testing.T) (*Server, []string) {
	t.Helper()
	e := newEngine(t)
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := rank.NewProfiles(st)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rank.NewRulebook(st, query.RulebookConfig(dict.Default()))
	if err != nil {
		t.Fatal(err)
	}
	e.SetMerch(p, rb)
	return New(Config{AdminToken: testToken, ErrorLog: testWriter{t}}, e),
		[]string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}
}

// ok fails unless r has status want, and decodes its body into v (nil: skip).
func (r response) ok(t *testing.T, want int, v any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	if v != nil {
		r.decode(t, v)
	}
}

var adminRoutes = []struct{ method, path, body string }{
	{"GET", "/api/admin/profiles", ""},
	{"GET", "/api/admin/profiles/default", ""},
	{"PUT", "/api/admin/profiles/mobile", `{"weights":{"text":1},"author":"a"}`},
	{"POST", "/api/admin/profiles/default/rollback", `{"version":0,"author":"a"}`},
	{"GET", "/api/admin/selection", ""},
	{"PUT", "/api/admin/selection", `{"author":"a"}`},
	{"GET", "/api/admin/rules", ""},
	{"POST", "/api/admin/rules", `{"query":"手机","action":"hide","item_id":"p01","author":"a"}`},
	{"GET", "/api/admin/rules/r1", ""},
	{"PUT", "/api/admin/rules/r1", `{"query":"手机","action":"hide","item_id":"p01","author":"a"}`},
	{"DELETE", "/api/admin/rules/r1", ""},
	{"GET", "/api/admin/queries", ""},
	{"POST", "/api/admin/preview", `{"query":"手机"}`},
}

func TestAdminAuth(t *testing.T) {
	s, _ := newMerchServer(t)
	off := newServer(t, Config{}) // no token configured
	for _, rt := range adminRoutes {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + testToken} {
			do(t, s, rt.method, rt.path, rt.body, "Authorization", auth).errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		}
		do(t, off, rt.method, rt.path, rt.body, "Authorization", "Bearer "+testToken).errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	}
	// Nothing was saved by the refused requests.
	p, rb := s.engine.Merch()
	if len(p.List()) != 1 || len(rb.List()) != 0 {
		t.Errorf("refused requests saved something: %v, %v", p.List(), rb.List())
	}
	// The debugging parameters of search need the token too.
	for _, params := range []string{"q=手机&explain=true", "q=手机&profile=default"} {
		do(t, s, "GET", "/api/search?"+params, "").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		do(t, s, "GET", "/api/search?"+params, "", "Authorization", "Bearer "+testToken).ok(t, 200, nil)
	}
}

func TestAdminUnconfigured(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	for _, rt := range adminRoutes {
		if rt.path == "/api/admin/queries" || rt.path == "/api/admin/preview" {
			continue // the engine's own
		}
		do(t, s, rt.method, rt.path, rt.body, "Authorization", "Bearer "+testToken).errorOf(t, http.StatusServiceUnavailable, models.EUNAVAILABLE)
	}
}

func TestAdminProfiles(t *testing.T) {
	s, auth := newMerchServer(t)
	var saved models.WeightProfile
	body := `{"weights":{"text":1,"brand":1},"brand_boost":{"vivo":1},"author":"alice","note":"push vivo"}`
	do(t, s, "PUT", "/api/admin/profiles/default", body, auth...).ok(t, 200, &saved)
	if saved.Name != "default" || saved.Version != 1 || saved.Author != "alice" || saved.Note != "push vivo" || saved.OutOfStock != "last" {
		t.Errorf("saved %+v", saved)
	}
	// Hot: the next search uses it.
	if resp := search(t, s, "q=手机"); resp.Items[0].ID != "p07" || resp.ProfileVersion != 1 {
		t.Errorf("after boosting vivo: %v v%d", ids(resp), resp.ProfileVersion)
	}
	do(t, s, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1},"author":"bob"}`, auth...).ok(t, 200, &saved)
	var got struct {
		Current models.WeightProfile   `json:"current"`
		History []models.WeightProfile `json:"history"`
	}
	do(t, s, "GET", "/api/admin/profiles/default", "", auth...).ok(t, 200, &got)
	if got.Current.Version != 2 || len(got.History) != 3 || got.History[0].Version != 0 {
		t.Errorf("current v%d, history of %d from v%d", got.Current.Version, len(got.History), got.History[0].Version)
	}
	do(t, s, "POST", "/api/admin/profiles/default/rollback", `{"version":1,"author":"carol"}`, auth...).ok(t, 200, &saved)
	if saved.Version != 3 || saved.Note != "rollback to v1" || saved.BrandBoost["vivo"] != 1 {
		t.Errorf("rollback saved %+v", saved)
	}
	var list struct{ Profiles []models.WeightProfile }
	do(t, s, "PUT", "/api/admin/profiles/mobile", `{"name":"mobile","weights":{"text":1},"author":"a"}`, auth...).ok(t, 200, nil)
	do(t, s, "GET", "/api/admin/profiles", "", auth...).ok(t, 200, &list)
	if len(list.Profiles) != 2 || list.Profiles[0].Name != "default" || list.Profiles[1].Name != "mobile" {
		t.Errorf("list %+v", list.Profiles)
	}
	for _, tt := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/admin/profiles/absent", "", 404, models.ENOTFOUND},
		{"PUT", "/api/admin/profiles/x", `{"weights":{"price":1},"author":"a"}`, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/x", `{"wieghts":{"text":1},"author":"a"}`, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/x", `{"name":"y","author":"a"}`, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/Bad Name", `{"author":"a"}`, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/x", `{"weights":{"text":1}}`, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/x", ``, 400, models.EINVALID},
		{"PUT", "/api/admin/profiles/x", `{"author":"a"} {}`, 400, models.EINVALID},
		{"POST", "/api/admin/profiles/default/rollback", `{"author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/profiles/default/rollback", `{"version":99,"author":"a"}`, 404, models.ENOTFOUND},
	} {
		do(t, s, tt.method, strings.ReplaceAll(tt.path, " ", "%20"), tt.body, auth...).errorOf(t, tt.status, tt.code)
	}
}

func TestAdminSelectionAndSearchParams(t *testing.T) {
	s, auth := newMerchServer(t)
	do(t, s, "PUT", "/api/admin/profiles/mobile", `{"weights":{"text":1,"promo":0.5},"author":"a"}`, auth...).ok(t, 200, nil)
	sel := `{"device":{"mobile":"mobile"},"ab":{"name":"promo-test","arms":[{"name":"control","weight":50},{"name":"b","profile":"default","weight":50}]},"author":"alice"}`
	var saved rank.Selection
	do(t, s, "PUT", "/api/admin/selection", sel, auth...).ok(t, 200, &saved)
	if saved.Device["mobile"] != "mobile" || saved.AB == nil || saved.Author != "alice" {
		t.Errorf("saved %+v", saved)
	}
	var got rank.Selection
	do(t, s, "GET", "/api/admin/selection", "", auth...).ok(t, 200, &got)
	if got.AB == nil || len(got.AB.Arms) != 2 {
		t.Errorf("got %+v", got)
	}
	if resp := search(t, s, "q=手机&device=mobile"); resp.Profile != "mobile" || resp.ProfileVersion != 1 || resp.Arm != "control" {
		t.Errorf("anonymous on mobile: %s v%d arm %q", resp.Profile, resp.ProfileVersion, resp.Arm)
	}
	// Users split between the arms, each always in the same one.
	arms := map[string]int{}
	for i := range 40 {
		params := fmt.Sprintf("q=手机&device=mobile&user=u%d", i)
		a, b := search(t, s, params), search(t, s, params)
		if a.Arm != b.Arm {
			t.Fatalf("u%d: arm %s then %s", i, a.Arm, b.Arm)
		}
		arms[a.Arm]++
	}
	if arms["control"] == 0 || arms["b"] == 0 {
		t.Errorf("arms %v", arms)
	}
	do(t, s, "PUT", "/api/admin/selection", `{"device":{"tv":"mobile"},"author":"a"}`, auth...).errorOf(t, 400, models.EINVALID)
	do(t, s, "PUT", "/api/admin/selection", `{"device":{"pc":"absent"},"author":"a"}`, auth...).errorOf(t, 400, models.EINVALID)
	for _, params := range []string{"device=tv", "explain=maybe", "user=" + strings.Repeat("u", 129), "device=pc&device=pc"} {
		do(t, s, "GET", "/api/search?q=手机&"+params, "").errorOf(t, 400, models.EINVALID)
	}
	do(t, s, "GET", "/api/search?q=手机&profile=absent", "", auth...).errorOf(t, 404, models.ENOTFOUND)
	// explain, with the token.
	r := do(t, s, "GET", "/api/search?q=手机&explain=true&profile=mobile", "", auth...)
	var resp query.Response
	r.ok(t, 200, &resp)
	if resp.Profile != "mobile" || resp.Arm != "" || resp.Items[0].Explain == nil || resp.Items[0].Explain.Contributions["promo"] == 0 && resp.Items[0].Explain.Factors["promo"] > 0 {
		t.Errorf("explain: profile %s arm %q, item %+v", resp.Profile, resp.Arm, resp.Items[0])
	}
	if !strings.Contains(r.body, `"contributions":{`) {
		t.Errorf("no contributions in %s", r.body)
	}
}

func TestAdminRules(t *testing.T) {
	s, auth := newMerchServer(t)
	plain := ids(search(t, s, "q=手机"))
	var r models.Rule
	do(t, s, "POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"p28","position":2,"author":"alice"}`, auth...).
		ok(t, http.StatusCreated, &r)
	if !strings.HasPrefix(r.ID, "r-") || r.Author != "alice" || r.Match != "exact" {
		t.Errorf("created %+v", r)
	}
	if got := ids(search(t, s, "q=手机")); len(got) < 2 || got[1] != "p28" {
		t.Errorf("pinned 坚果 at 2: %v", got)
	}
	do(t, s, "POST", "/api/admin/rules", `{"id":"`+r.ID+`","query":"x","action":"hide","item_id":"p1","author":"a"}`, auth...).
		errorOf(t, http.StatusConflict, models.ECONFLICT)
	do(t, s, "PUT", "/api/admin/rules/hide-1", `{"category":"数码>手机","action":"hide","item_id":"p01","author":"bob"}`, auth...).ok(t, 200, &r)
	if r.ID != "hide-1" {
		t.Errorf("put %+v", r)
	}
	if got := ids(search(t, s, "category=数码>手机&size=50")); slices.Contains(got, "p01") || len(got) == 0 {
		t.Errorf("数码>手机 page with p01 hidden: %v", got)
	}
	var list struct{ Rules []models.Rule }
	do(t, s, "GET", "/api/admin/rules", "", auth...).ok(t, 200, &list)
	if len(list.Rules) != 2 {
		t.Errorf("rules %+v", list.Rules)
	}
	do(t, s, "GET", "/api/admin/rules/hide-1", "", auth...).ok(t, 200, &r)
	for _, rule := range list.Rules {
		do(t, s, "DELETE", "/api/admin/rules/"+rule.ID, "", auth...).ok(t, 200, nil)
	}
	if got := ids(search(t, s, "q=手机")); !slices.Equal(got, plain) {
		t.Errorf("after deleting: %v, want %v", got, plain)
	}
	for _, tt := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"DELETE", "/api/admin/rules/hide-1", "", 404, models.ENOTFOUND},
		{"GET", "/api/admin/rules/hide-1", "", 404, models.ENOTFOUND},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"p1","author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/rules", `{"query":"手机","category":"数码","action":"hide","item_id":"p1","author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"boost","brand":"华为","weight":2,"author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"hide","item_id":"p1","start":"2025-11-12T00:00:00Z","end":"2025-11-11T00:00:00Z","author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/rules", `{"query":"的","match":"contains","action":"hide","item_id":"p1","author":"a"}`, 400, models.EINVALID},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"hide","item_id":"p1"}`, 400, models.EINVALID},
		{"PUT", "/api/admin/rules/a", `{"id":"b","query":"手机","action":"hide","item_id":"p1","author":"a"}`, 400, models.EINVALID},
	} {
		do(t, s, tt.method, tt.path, tt.body, auth...).errorOf(t, tt.status, tt.code)
	}
}

func TestAdminPreview(t *testing.T) {
	s, auth := newMerchServer(t)
	for range 3 {
		search(t, s, "q=耳机")
	}
	search(t, s, "q=手机")
	var top struct{ Queries []query.QueryCount }
	do(t, s, "GET", "/api/admin/queries?n=5", "", auth...).ok(t, 200, &top)
	if len(top.Queries) != 2 || top.Queries[0] != (query.QueryCount{Query: "耳机", Count: 3}) {
		t.Errorf("top queries %+v", top.Queries)
	}
	body := `{"top":2,"n":5,"profile":{"weights":{"text":1,"brand":1},"brand_boost":{"漫步者":1}},
		"rules":[{"query":"手机","action":"pin","item_id":"p28","position":1}]}`
	var res query.PreviewResult
	do(t, s, "POST", "/api/admin/preview", body, auth...).ok(t, 200, &res)
	if len(res.Queries) != 2 || res.Queries[0].Query != "耳机" || res.Draft.Profile != "draft" {
		t.Fatalf("preview %+v", res)
	}
	if first := res.Queries[0].Items[0]; first.ID != "p12" || first.Draft != 1 || first.Movement != "up" {
		t.Errorf("耳机: %+v", res.Queries[0].Items)
	}
	if first := res.Queries[1].Items[0]; first.ID != "p28" || first.Movement != "new" || res.Queries[1].Summary.New < 1 {
		t.Errorf("手机: %+v", res.Queries[1])
	}
	// Nothing published, the previews not counted.
	p, rb := s.engine.Merch()
	if len(p.List()) != 1 || len(rb.List()) != 0 {
		t.Errorf("published by a preview: %v %v", p.List(), rb.List())
	}
	do(t, s, "GET", "/api/admin/queries", "", auth...).ok(t, 200, &top)
	if top.Queries[0].Count != 3 {
		t.Errorf("previews counted: %+v", top.Queries)
	}
	// One query, a named profile, filters.
	do(t, s, "PUT", "/api/admin/profiles/sales", `{"weights":{"text":1,"sales":1},"author":"a"}`, auth...).ok(t, 200, nil)
	do(t, s, "POST", "/api/admin/preview", `{"query":"手机","profile":"sales","filters":{"brand":["华为"]},"region":"bj","device":"pc"}`, auth...).
		ok(t, 200, &res)
	if res.Draft.Profile != "sales" || len(res.Queries) != 1 || len(res.Queries[0].Items) == 0 {
		t.Errorf("named profile: %+v", res)
	}
	for _, it := range res.Queries[0].Items {
		if !slices.Contains([]string{"p01", "p02", "p09", "p16", "p20"}, it.ID) {
			t.Errorf("not 华为: %+v", it)
		}
	}
	// A category page.
	do(t, s, "POST", "/api/admin/preview", `{"query":"","filters":{"category":"数码>手机"},
		"rules":[{"category":"数码","action":"pin","item_id":"p08","position":1}]}`, auth...).ok(t, 200, &res)
	if q := res.Queries[0]; q.CurrentTotal != 8 || q.Items[0].ID != "p08" || q.Items[0].Movement != "up" {
		t.Errorf("category page: %+v", q)
	}
	for _, bad := range []string{
		`{}`,
		`{"query":"手机","queries":["x"]}`,
		`{"queries":[]}`,
		`{"query":"手机","profile":3}`,
		`{"query":"手机","profile":{"weights":{"price":1}}}`,
		`{"query":"手机","n":1000}`,
		`{"query":"手机","rules":[{"action":"pin"}]}`,
		`{"query":"手机","device":"tv"}`,
		`{"query":"手机","unknown":1}`,
		`{"query":"手机","region":"bj","filters":{"region":"sh"}}`,
	} {
		do(t, s, "POST", "/api/admin/preview", bad, auth...).errorOf(t, 400, models.EINVALID)
	}
	do(t, s, "POST", "/api/admin/preview", `{"query":"手机","profile":"absent"}`, auth...).errorOf(t, 404, models.ENOTFOUND)
}
