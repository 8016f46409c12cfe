package query

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/rank"
	"shopsearch/store"
)

// merchFixture is an engine over the test catalog with profiles and rules
// on a real embedded store.
type merchFixture struct {
	e        *Engine
	st       *store.Embedded
	profiles *rank.Profiles
	rules    *rank.Rulebook
}

func openMerch(t *testing.T) *merchFixture {
	t.Helper()
	e, _ := openCatalog(t, catalog())
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := rank.NewProfiles(st)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rank.NewRulebook(st, RulebookConfig(dict.Default()))
	if err != nil {
		t.Fatal(err)
	}
	e.SetMerch(p, rb)
	return &merchFixture{e, st, p, rb}
}

func (f *merchFixture) putProfile(t *testing.T, wp models.WeightProfile) models.WeightProfile {
	t.Helper()
	saved, err := f.profiles.Put(wp, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func (f *merchFixture) putRule(t *testing.T, r models.Rule) models.Rule {
	t.Helper()
	saved, err := f.rules.Put(r, "alice")
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// boosted is the default profile with the brand and category boosts
// weighing as much as the text.
func boosted(brand map[string]float64) models.WeightProfile {
	wp := rank.DefaultProfile()
	wp.Weights[models.FactorBrand] = 1
	wp.Weights[models.FactorCatBoost] = 1
	wp.BrandBoost = brand
	return wp
}

func TestProfilePutIsHot(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	req := Request{Text: "手机"}
	before := search(t, f.e, req)
	if before.Items[0].ID == "p03" || before.Profile != "default" || before.ProfileVersion != 0 {
		t.Fatalf("before: %v, profile %s v%d", ids(before.Items), before.Profile, before.ProfileVersion)
	}
	f.putProfile(t, boosted(map[string]float64{"华为": 1}))
	after := search(t, f.e, req)
	if after.Items[0].ID != "p03" || after.ProfileVersion != 1 {
		t.Errorf("after boosting 华为: %v, profile v%d; want p03 (华为 Mate 60) first", ids(after.Items), after.ProfileVersion)
	}
	// A rollback to the built-in version is as hot.
	if _, err := f.profiles.Rollback("default", 0, "bob"); err != nil {
		t.Fatal(err)
	}
	if again := search(t, f.e, req); !slices.Equal(ids(again.Items), ids(before.Items)) || again.ProfileVersion != 2 {
		t.Errorf("after the rollback: %v v%d, want %v", ids(again.Items), again.ProfileVersion, ids(before.Items))
	}
}

func TestSearchEchoesProfileAndArm(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	f.putProfile(t, models.WeightProfile{Name: "mobile", Weights: map[string]float64{"text": 1, "promo": 0.3}})
	f.putProfile(t, models.WeightProfile{Name: "mobile", Weights: map[string]float64{"text": 1, "promo": 0.5}})
	f.putProfile(t, models.WeightProfile{Name: "pc", Weights: map[string]float64{"text": 1, "self": 0.3}})
	sel := rank.Selection{
		Device: map[string]string{"mobile": "mobile", "pc": "pc"},
		AB:     &rank.ABTest{Name: "t1", Arms: []rank.Arm{{Name: "control", Weight: 1}, {Name: "b", Profile: "default", Weight: 1}}},
	}
	if _, err := f.profiles.PutSelection(sel, "alice"); err != nil {
		t.Fatal(err)
	}
	ab := sel.AB
	for _, tt := range []struct {
		device, user, profile string
		wantProfile           string
		wantVersion           int
		wantArm               string
	}{
		{"mobile", "", "", "mobile", 2, "control"},
		{"pc", "", "", "pc", 1, "control"},
		{"", "", "", "default", 0, "control"},
		{"pc", "", "mobile", "mobile", 2, ""},
		{"mobile", "u-42", "", map[string]string{"control": "mobile", "b": "default"}[ab.Assign("u-42").Name],
			map[string]int{"control": 2, "b": 0}[ab.Assign("u-42").Name], ab.Assign("u-42").Name},
	} {
		for _, text := range []string{"手机", ""} { // a search, and the empty query (no results, same echo)
			resp := search(t, f.e, Request{Text: text, Device: tt.device, UserID: tt.user, Profile: tt.profile})
			if resp.Profile != tt.wantProfile || resp.ProfileVersion != tt.wantVersion || resp.Arm != tt.wantArm {
				t.Errorf("%q device %q user %q profile %q: echo %s v%d arm %q, want %s v%d arm %q", text, tt.device, tt.user,
					tt.profile, resp.Profile, resp.ProfileVersion, resp.Arm, tt.wantProfile, tt.wantVersion, tt.wantArm)
			}
		}
	}
}

func TestSearchRankingErrors(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	bare, _ := openCatalog(t, catalog()) // no SetMerch
	for _, tt := range []struct {
		e    *Engine
		req  Request
		code string
	}{
		{f.e, Request{Text: "手机", Device: "tv"}, models.EINVALID},
		{f.e, Request{Text: "手机", Profile: "absent"}, models.ENOTFOUND},
		{f.e, Request{Text: "手机", Draft: &models.WeightProfile{Weights: map[string]float64{"price": 1}}}, models.EINVALID},
		{f.e, Request{Text: "手机", DraftRules: []models.Rule{{Query: "手机", Action: "pin"}}}, models.EINVALID},
		{bare, Request{Text: "手机", Profile: "mobile"}, models.ENOTFOUND},
		{bare, Request{Text: "手机", DraftRules: []models.Rule{}}, models.EUNAVAILABLE},
	} {
		if _, err := tt.e.Search(context.Background(), tt.req); models.ErrorCode(err) != tt.code {
			t.Errorf("%+v: error %v, want %s", tt.req, err, tt.code)
		}
	}
	if resp := search(t, bare, Request{Text: "手机", Profile: "default"}); resp.Profile != "default" {
		t.Errorf("no profiles configured: echo %q", resp.Profile)
	}
}

// TestPinUnderFiltersAndPages: p40 (apples, the fruit) is pinned at 3 for
// 手机, a query it does not match.
func TestPinUnderFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	plain := search(t, f.e, Request{Text: "手机", Size: 50})
	f.putRule(t, models.Rule{Query: "手机", Action: models.RulePin, ItemID: "p40", Position: 3})

	resp := search(t, f.e, Request{Text: "手机", Size: 50})
	want := slices.Insert(ids(plain.Items), 2, "p40")
	if !slices.Equal(ids(resp.Items), want) || resp.Total != plain.Total+1 {
		t.Errorf("pinned at 3: %v (total %d), want %v", ids(resp.Items), resp.Total, want)
	}
	// Page 2 of size 2 starts with position 3.
	page2 := search(t, f.e, Request{Text: "手机", Page: 2, Size: 2})
	if len(page2.Items) == 0 || page2.Items[0].ID != "p40" {
		t.Errorf("page 2 of 2: %v, want p40 first", ids(page2.Items))
	}
	for _, p := range []int{1, 3} {
		if got := ids(search(t, f.e, Request{Text: "手机", Page: p, Size: 2}).Items); slices.Contains(got, "p40") {
			t.Errorf("page %d of 2 has p40: %v", p, got)
		}
	}
	// A filter that excludes the pinned item hides it; one that keeps it does not.
	for _, tt := range []struct {
		filter rank.Filter
		shown  bool
	}{
		{rank.Filter{Brands: []string{"Apple"}}, false},
		{rank.Filter{CategoryPrefix: "数码"}, false},
		{rank.Filter{PriceMax: 100}, true},
		{rank.Filter{InStock: true}, true},
	} {
		resp := search(t, f.e, Request{Text: "手机", Filter: tt.filter, Size: 50})
		if at := slices.Index(ids(resp.Items), "p40"); (at >= 0) != tt.shown || tt.shown && at != min(2, len(resp.Items)-1) {
			t.Errorf("filter %+v: p40 at %d of %v, shown want %v", tt.filter, at, ids(resp.Items), tt.shown)
		}
	}
	// A position past the end puts the item last.
	f.putRule(t, models.Rule{Query: "手机壳", Action: models.RulePin, ItemID: "p40", Position: 500})
	if got := ids(search(t, f.e, Request{Text: "手机壳"}).Items); len(got) == 0 || got[len(got)-1] != "p40" {
		t.Errorf("pinned at 500: %v, want p40 last", got)
	}
}

func TestRuleActionsInSearch(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	f.putProfile(t, boosted(nil))
	plain := ids(search(t, f.e, Request{Text: "手机", Size: 50}).Items)
	tests := []struct {
		name  string
		rule  models.Rule
		check func(got []string) bool
	}{
		{"bury the first", models.Rule{Action: models.RuleBury, ItemID: plain[0]},
			func(got []string) bool { return got[len(got)-1] == plain[0] && len(got) == len(plain) }},
		{"hide", models.Rule{Action: models.RuleHide, ItemID: "p03"},
			func(got []string) bool { return !slices.Contains(got, "p03") && len(got) == len(plain)-1 }},
		{"boost a brand", models.Rule{Action: models.RuleBoost, Brand: "Redmi", Weight: 1},
			func(got []string) bool { return got[0] == "p05" }},
		{"demote a brand", models.Rule{Action: models.RuleBoost, Brand: "Apple", Weight: -1},
			func(got []string) bool { return slices.Index(got, "p02") > slices.Index(got, "p05") }},
		{"boost a category", models.Rule{Action: models.RuleBoost, CatPath: "数码>手机配件", Weight: 1},
			func(got []string) bool { return slices.Contains([]string{"p06", "p07"}, got[0]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rule.Query = "手机"
			r := f.putRule(t, tt.rule)
			defer f.rules.Delete(r.ID)
			if got := ids(search(t, f.e, Request{Text: "手机", Size: 50}).Items); !tt.check(got) {
				t.Errorf("%v (without the rule %v)", got, plain)
			}
		})
	}
	if got := ids(search(t, f.e, Request{Text: "手机", Size: 50}).Items); !slices.Equal(got, plain) {
		t.Errorf("after deleting the rules: %v, want %v", got, plain)
	}
}

func TestRuleWindowsInSearch(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	start := clocktest.Date(2025, 11, 11, 0, 0)
	f.putRule(t, models.Rule{Query: "鼠标", Action: models.RulePin, ItemID: "p32", Position: 1, Start: start, End: start.Add(24 * time.Hour)})
	for _, tt := range []struct {
		now    time.Time
		pinned bool
	}{
		{start.Add(-time.Minute), false},
		{start, true},
		{start.Add(23 * time.Hour), true},
		{start.Add(24 * time.Hour), false},
		{time.Now(), false},
	} {
		got := ids(search(t, f.e, Request{Text: "鼠标", Now: tt.now}).Items)
		if (got[0] == "p32") != tt.pinned {
			t.Errorf("at %s: %v, pinned want %v", tt.now.Format(time.RFC3339), got, tt.pinned)
		}
	}
}

// TestExactAndContainsRules: exact rules apply to the normalised query as
// a whole; contains rules when the query has each of their words.
func TestExactAndContainsRules(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	f.putRule(t, models.Rule{Query: "手机", Action: models.RuleHide, ItemID: "p03"})                    // exact
	f.putRule(t, models.Rule{Query: "手机", Match: "contains", Action: models.RuleHide, ItemID: "p07"}) // contains
	tests := []struct {
		query              string
		hideP03, hideP07   bool
		p03There, p07There bool // without rules
	}{
		{"手机", true, true, true, true},
		{" 手機 ", true, true, true, true}, // normalised: traditional, spaces
		{"华为 手机", false, true, true, true},
		{"华为手机", false, true, true, true},
		// 手机壳 is a word of its own (no rule applies); phones follow the
		// cases as partial matches, by the part 手机 of it.
		{"手机壳", false, false, true, true},
	}
	for _, tt := range tests {
		got := ids(search(t, f.e, Request{Text: tt.query, Size: 50}).Items)
		if slices.Contains(got, "p03") != (tt.p03There && !tt.hideP03) || slices.Contains(got, "p07") != (tt.p07There && !tt.hideP07) {
			t.Errorf("%q: %v; want p03 hidden %v, p07 hidden %v", tt.query, got, tt.hideP03, tt.hideP07)
		}
	}
}

func TestCategoryPage(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	phones := Request{Filter: rank.Filter{CategoryPrefix: "数码>手机"}, Size: 50, Facets: true}
	resp := search(t, f.e, phones)
	got := ids(resp.Items)
	if resp.Total != 6 || len(got) != 6 || resp.Facets == nil || resp.Profile != "default" {
		t.Fatalf("数码>手机 page: %v (total %d), facets %v, profile %q", got, resp.Total, resp.Facets != nil, resp.Profile)
	}
	if got[len(got)-1] != "p04" { // out of stock
		t.Errorf("out of stock p04 not last: %v", got)
	}
	for _, it := range resp.Items {
		if it.Highlight == "" || it.Partial {
			t.Errorf("item %+v", it)
		}
	}
	// Ranked by the commercial factors: a profile of sales alone orders by sales.
	f.putProfile(t, models.WeightProfile{Name: "default", Weights: map[string]float64{"sales": 1}, OutOfStock: "keep"})
	if got := ids(search(t, f.e, phones).Items); !slices.Equal(got[:2], []string{"p03", "p02"}) {
		t.Errorf("by sales: %v, want p03 (9000) then p02 (8000) first", got)
	}
	// Category rules: the page's category and its ancestors, not its descendants.
	f.putRule(t, models.Rule{Category: "数码", Action: models.RulePin, ItemID: "p38", Position: 1})
	f.putRule(t, models.Rule{Category: "数码>手机>智能手机", Action: models.RuleHide, ItemID: "p03"})
	f.putRule(t, models.Rule{Category: "数码>手机", Action: models.RulePin, ItemID: "p41", Position: 2}) // not a phone: filtered out
	got = ids(search(t, f.e, phones).Items)
	if got[0] != "p38" || !slices.Contains(got, "p03") || slices.Contains(got, "p41") {
		t.Errorf("with rules: %v, want p38 first, p03 shown, no p41", got)
	}
	smart := ids(search(t, f.e, Request{Filter: rank.Filter{CategoryPrefix: "数码>手机>智能手机"}, Size: 50}).Items)
	if slices.Contains(smart, "p03") {
		t.Errorf("智能手机 page shows hidden p03: %v", smart)
	}
	// A text search filtered by the category is not a category page.
	if got := ids(search(t, f.e, Request{Text: "华为", Filter: phones.Filter}).Items); !slices.Equal(got, []string{"p03"}) {
		t.Errorf("华为 in 数码>手机: %v", got)
	}
	// Nothing to search for but an exclusion: no page (Bleve would be needed).
	if resp := search(t, f.e, Request{Text: "-二手", Filter: phones.Filter}); resp.Total != 0 {
		t.Errorf("-二手 in 数码>手机: %v", ids(resp.Items))
	}
	// Paging and business sorts.
	page := search(t, f.e, Request{Filter: phones.Filter, Sort: rank.SortPriceAsc, Page: 2, Size: 2})
	if page.Total != 6 || len(page.Items) != 2 {
		t.Errorf("page 2 by price: %v of %d", ids(page.Items), page.Total)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	r := f.putRule(t, models.Rule{Query: "鼠标", Action: models.RulePin, ItemID: "p32", Position: 1})
	resp := search(t, f.e, Request{Text: "鼠标", Explain: true})
	for i, it := range resp.Items {
		ex := it.Explain
		if ex == nil {
			t.Fatalf("item %s has no explanation", it.ID)
		}
		var sum float64
		for _, name := range models.Factors {
			c, ok := ex.Contributions[name]
			if !ok {
				t.Errorf("%s: no contribution of %s", it.ID, name)
			}
			sum += c
		}
		if d := sum - ex.Score; d > 1e-3 || d < -1e-3 {
			t.Errorf("%s: contributions sum to %g, score %g", it.ID, sum, ex.Score)
		}
		if i == 0 && (it.ID != "p32" || !slices.Equal(ex.Rules, []string{r.ID})) {
			t.Errorf("first item %s, rules %v; want p32 pinned by %s", it.ID, ex.Rules, r.ID)
		}
	}
	if len(resp.Items) > 1 && resp.Items[1].Explain.Contributions["text"] == 0 {
		t.Error("no text contribution")
	}
	if it := search(t, f.e, Request{Text: "鼠标"}).Items[0]; it.Explain != nil {
		t.Error("an explanation without asking")
	}
	// Category pages explain too.
	if it := search(t, f.e, Request{Filter: rank.Filter{CategoryPrefix: "电脑办公"}, Explain: true}).Items[0]; it.Explain == nil {
		t.Error("no explanation on a category page")
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	f.putRule(t, models.Rule{ID: "keep", Query: "鼠标", Action: models.RulePin, ItemID: "p39", Position: 1})
	queries := []string{"手机", "鼠标"}
	before := map[string][]string{}
	for _, q := range queries {
		before[q] = ids(search(t, f.e, Request{Text: q, Size: 5}).Items)
	}
	draft := boosted(map[string]float64{"华为": 1})
	pr := PreviewRequest{
		Queries: queries,
		Base:    Request{Size: 5},
		Profile: &draft,
		Rules: []models.Rule{
			{Query: "鼠标", Action: models.RulePin, ItemID: "p34", Position: 2}, // not a mouse: new
			{ID: "keep", Query: "鼠标", Action: models.RuleHide, ItemID: "p39"}, // replaces the published pin
		},
	}
	res, err := f.e.Preview(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Current.Profile != "default" || res.Draft.Profile != "default" || res.Draft.Version != 0 || len(res.Queries) != 2 {
		t.Fatalf("preview %+v", res)
	}
	phones := res.Queries[0]
	if phones.Items[0].ID != "p03" || phones.Items[0].Movement != "up" || phones.Items[0].Draft != 1 ||
		phones.Items[0].Current != slices.Index(before["手机"], "p03")+1 || phones.Items[0].Change != phones.Items[0].Current-1 {
		t.Errorf("手机: %+v", phones.Items)
	}
	mice := res.Queries[1]
	moves := map[string]Movement{}
	for _, m := range mice.Items {
		moves[m.ID] = m
	}
	if m := moves["p34"]; m.Movement != "new" || m.Draft != 2 || m.Current != 0 {
		t.Errorf("p34: %+v", m)
	}
	if m := moves["p39"]; m.Movement != "dropped" || m.Current != 1 || m.Draft != 0 {
		t.Errorf("p39: %+v", m)
	}
	s := mice.Summary
	if s.New < 1 || s.Dropped < 1 || s.Up+s.Down+s.Same+s.New != 5 || s.Same+s.Up+s.Down+s.Dropped != 5 {
		t.Errorf("summary %+v of %+v", s, mice.Items)
	}
	// Nothing was published: the profiles, the rules and the results are
	// as they were, and the previews were not counted as searches.
	if list := f.profiles.List(); len(list) != 1 || list[0].Version != 0 {
		t.Errorf("profiles after the preview: %+v", list)
	}
	if r := f.rules.List(); len(r) != 1 || r[0].Action != models.RulePin {
		t.Errorf("rules after the preview: %+v", r)
	}
	for _, q := range queries {
		if got := ids(search(t, f.e, Request{Text: q, Size: 5}).Items); !slices.Equal(got, before[q]) {
			t.Errorf("%s after the preview: %v, before %v", q, got, before[q])
		}
	}
	for _, qc := range f.e.TopQueries(10) {
		if qc.Count != 2 { // the two searches of this test, before and after
			t.Errorf("query log %+v counts the previews", f.e.TopQueries(10))
		}
	}
	// A published profile as the draft.
	f.putProfile(t, models.WeightProfile{Name: "promo", Weights: map[string]float64{"promo": 1}})
	res, err = f.e.Preview(context.Background(), PreviewRequest{Queries: []string{"手机"}, Base: Request{Size: 5}, ProfileName: "promo"})
	if err != nil || res.Draft.Profile != "promo" || res.Draft.Version != 1 {
		t.Errorf("named draft: %+v, %v", res, err)
	}
	if _, err := f.e.Preview(context.Background(), PreviewRequest{}); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("no queries: %v", err)
	}
}

func TestQueryLogCountsShopperSearches(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	for _, req := range []Request{
		{Text: "手机"}, {Text: " 手機 "}, {Text: "手机", Page: 2}, {Text: "手机", Explain: true},
		{Text: "鼠标"}, {Text: ""}, {Text: "的"}, {Filter: rank.Filter{CategoryPrefix: "数码"}},
	} {
		search(t, f.e, req)
	}
	got := f.e.TopQueries(10)
	want := []QueryCount{{"手机", 2}, {"鼠标", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("top queries %+v, want %+v", got, want)
	}
}
