package rank

import (
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
)

func newRulebook(t *testing.T, st RuleStore) *Rulebook {
	t.Helper()
	rb, err := NewRulebook(st, RulebookConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func mustPutRule(t *testing.T, rb *Rulebook, r models.Rule) models.Rule {
	t.Helper()
	saved, err := rb.Put(r, "alice")
	if err != nil {
		t.Fatalf("Put %+v: %v", r, err)
	}
	return saved
}

func ruleIDs(rules []models.Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.ID
	}
	return out
}

func TestValidateRule(t *testing.T) {
	t0 := clocktest.Date(2025, 11, 1, 0, 0)
	pin := models.Rule{Query: "手机", Action: models.RulePin, ItemID: "p1", Position: 1}
	tests := []struct {
		name string
		edit func(r *models.Rule)
		bad  string
	}{
		{"pin", func(r *models.Rule) {}, ""},
		{"pin at 1000", func(r *models.Rule) { r.Position = 1000 }, ""},
		{"pin at 0", func(r *models.Rule) { r.Position = 0 }, "position"},
		{"pin at 1001", func(r *models.Rule) { r.Position = 1001 }, "position"},
		{"pin without item", func(r *models.Rule) { r.ItemID = " " }, "item_id"},
		{"pin with a brand", func(r *models.Rule) { r.Brand = "华为" }, "not brand"},
		{"no query or category", func(r *models.Rule) { r.Query = "" }, "exactly one"},
		{"query and category", func(r *models.Rule) { r.Category = "数码" }, "exactly one"},
		{"category page", func(r *models.Rule) { r.Query, r.Category = "", "数码>手机" }, ""},
		{"category with match", func(r *models.Rule) { r.Query, r.Category, r.Match = "", "数码", "contains" }, "match"},
		{"contains", func(r *models.Rule) { r.Match = "contains" }, ""},
		{"bad match", func(r *models.Rule) { r.Match = "prefix" }, "match"},
		{"bury", func(r *models.Rule) { r.Action, r.Position = models.RuleBury, 0 }, ""},
		{"bury with position", func(r *models.Rule) { r.Action = models.RuleBury }, "position"},
		{"hide", func(r *models.Rule) { r.Action, r.Position = models.RuleHide, 0 }, ""},
		{"hide without item", func(r *models.Rule) { r.Action, r.Position, r.ItemID = models.RuleHide, 0, "" }, "item_id"},
		{"boost brand", func(r *models.Rule) {
			*r = models.Rule{Query: "手机", Action: models.RuleBoost, Brand: "华为", Weight: 0.5}
		}, ""},
		{"boost category", func(r *models.Rule) {
			*r = models.Rule{Query: "手机", Action: models.RuleBoost, CatPath: "数码>手机", Weight: -1}
		}, ""},
		{"boost nothing", func(r *models.Rule) { *r = models.Rule{Query: "手机", Action: models.RuleBoost, Weight: 0.5} }, "brand or cat_path"},
		{"boost weight 0", func(r *models.Rule) { *r = models.Rule{Query: "手机", Action: models.RuleBoost, Brand: "华为"} }, "weight"},
		{"boost weight 1.5", func(r *models.Rule) {
			*r = models.Rule{Query: "手机", Action: models.RuleBoost, Brand: "华为", Weight: 1.5}
		}, "weight"},
		{"boost with item", func(r *models.Rule) {
			*r = models.Rule{Query: "手机", Action: models.RuleBoost, Brand: "华为", Weight: 1, ItemID: "p1"}
		}, "not item_id"},
		{"no action", func(r *models.Rule) { r.Action = "" }, "action"},
		{"window", func(r *models.Rule) { r.Start, r.End = t0, t0.Add(time.Hour) }, ""},
		{"open-ended window", func(r *models.Rule) { r.Start = t0 }, ""},
		{"end before start", func(r *models.Rule) { r.Start, r.End = t0, t0.Add(-time.Hour) }, "not after"},
		{"end at start", func(r *models.Rule) { r.Start, r.End = t0, t0 }, "not after"},
		{"given id", func(r *models.Rule) { r.ID = "double11-pin" }, ""},
		{"bad id", func(r *models.Rule) { r.ID = "a b" }, "id"},
		{"long query", func(r *models.Rule) { r.Query = strings.Repeat("手", 201) }, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pin
			tt.edit(&r)
			err := ValidateRule(&r)
			switch {
			case tt.bad == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.bad != "" && (models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tt.bad)):
				t.Fatalf("error %v, want an invalid error about %q", err, tt.bad)
			}
		})
	}
}

func TestRulebookPutDeleteReopen(t *testing.T) {
	st, path := openState(t, "")
	rb := newRulebook(t, st)
	r1 := mustPutRule(t, rb, models.Rule{Query: "手机", Action: models.RulePin, ItemID: "p1", Position: 2, Note: "活动"})
	if !strings.HasPrefix(r1.ID, "r-") || len(r1.ID) != 18 || r1.Author != "alice" || r1.UpdatedAt.IsZero() || r1.Match != "exact" {
		t.Fatalf("saved %+v", r1)
	}
	r2 := mustPutRule(t, rb, models.Rule{ID: "bury-x", Category: " 数码 > 手机 ", Action: models.RuleBury, ItemID: "p9"})
	if r2.Category != "数码>手机" {
		t.Errorf("category not normalised: %q", r2.Category)
	}
	// Upsert by id.
	r1.Position = 5
	mustPutRule(t, rb, r1)
	if got, _ := rb.Get(r1.ID); got.Position != 5 {
		t.Errorf("after replacing: %+v", got)
	}
	if ids := ruleIDs(rb.List()); !slices.Equal(ids, []string{"bury-x", r1.ID}) {
		t.Errorf("List %v", ids)
	}
	if _, err := rb.Put(models.Rule{Query: "x", Action: models.RuleHide, ItemID: "p1"}, ""); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("a rule without an author: %v", err)
	}
	if err := rb.Delete("bury-x"); err != nil {
		t.Fatal(err)
	}
	if err := rb.Delete("bury-x"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("deleting twice: %v", err)
	}
	st.Close()

	st2, _ := openState(t, path)
	rb2 := newRulebook(t, st2)
	got := rb2.List()
	if len(got) != 1 || got[0].ID != r1.ID || got[0].Position != 5 || got[0].Note != "活动" {
		t.Errorf("after reopening: %+v", got)
	}
}

func TestRulebookMaxRules(t *testing.T) {
	st, _ := openState(t, "")
	rb, err := NewRulebook(st, RulebookConfig{MaxRules: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		mustPutRule(t, rb, models.Rule{ID: id, Query: "q", Action: models.RuleHide, ItemID: id})
	}
	if _, err := rb.Put(models.Rule{ID: "c", Query: "q", Action: models.RuleHide, ItemID: "c"}, "alice"); models.ErrorCode(err) != models.ETOOLARGE {
		t.Errorf("a third rule: %v", err)
	}
	mustPutRule(t, rb, models.Rule{ID: "a", Query: "q2", Action: models.RuleHide, ItemID: "a"}) // replacing is fine
}

// TestRuleMatching defines how rules select searches: exact rules by the
// whole normalised query, contains rules by all of their terms being among
// the query's, category rules by the browsed category or an ancestor.
func TestRuleMatching(t *testing.T) {
	st, _ := openState(t, "")
	rb := newRulebook(t, st) // the default config: lower-cased words are the terms
	for _, r := range []models.Rule{
		{ID: "exact-phone", Query: "Phone", Action: models.RuleHide, ItemID: "x"},
		{ID: "exact-red-phone", Query: "red  phone", Action: models.RuleHide, ItemID: "x"},
		{ID: "contains-phone", Query: "phone", Match: "contains", Action: models.RuleHide, ItemID: "x"},
		{ID: "contains-red-phone", Query: "phone red", Match: "contains", Action: models.RuleHide, ItemID: "x"},
		{ID: "cat-digital", Category: "数码", Action: models.RuleHide, ItemID: "x"},
		{ID: "cat-phones", Category: "数码>手机", Action: models.RuleHide, ItemID: "x"},
		{ID: "cat-smart", Category: "数码>手机>智能手机", Action: models.RuleHide, ItemID: "x"},
	} {
		mustPutRule(t, rb, r)
	}
	norm := DefaultRulebookConfig().Normalize
	terms := DefaultRulebookConfig().Terms
	tests := []struct {
		query, category string
		want            []string
	}{
		{"phone", "", []string{"contains-phone", "exact-phone"}},
		{"PHONE", "", []string{"contains-phone", "exact-phone"}},
		{"red phone", "", []string{"contains-phone", "contains-red-phone", "exact-red-phone"}},
		{"cheap red phone", "", []string{"contains-phone", "contains-red-phone"}},
		{"phones", "", nil},
		{"red", "", nil},
		{"phone", "数码", []string{"contains-phone", "exact-phone"}}, // text: category rules do not apply
		{"", "数码", []string{"cat-digital"}},
		{"", "数码>手机", []string{"cat-digital", "cat-phones"}},
		{"", " 数码 > 手机 > 智能手机 ", []string{"cat-digital", "cat-phones", "cat-smart"}},
		{"", "数码>手机壳", []string{"cat-digital"}},
		{"", "数", nil},
		{"", "", nil},
	}
	for _, tt := range tests {
		got := ruleIDs(rb.For(norm(tt.query), terms(tt.query), tt.category))
		if !slices.Equal(got, tt.want) {
			t.Errorf("For(%q, %q) = %v, want %v", tt.query, tt.category, got, tt.want)
		}
	}
}

func TestRulebookDraftPublishesNothing(t *testing.T) {
	st, _ := openState(t, "")
	rb := newRulebook(t, st)
	mustPutRule(t, rb, models.Rule{ID: "live", Query: "phone", Action: models.RulePin, ItemID: "a", Position: 1})
	draft, err := rb.Draft([]models.Rule{
		{ID: "live", Query: "phone", Action: models.RulePin, ItemID: "b", Position: 1},
		{Query: "phone", Action: models.RuleHide, ItemID: "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := draft.For("phone", []string{"phone"}, "")
	if len(got) != 2 || got[0].ID != "draft-2" || got[1].ItemID != "b" {
		t.Errorf("draft rules %+v", got)
	}
	if live := rb.List(); len(live) != 1 || live[0].ItemID != "a" {
		t.Errorf("published rules after a draft: %+v", live)
	}
	n := 0
	st.Rules(func(string, []byte) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d rules stored after a draft", n)
	}
	if _, err := rb.Draft([]models.Rule{{Query: "phone", Action: models.RulePin, ItemID: "b"}}); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("an invalid draft: %v", err)
	}
}

// TestRuleWindows: a rule applies from Start (inclusive) until End
// (exclusive) of Request.Now.
func TestRuleWindows(t *testing.T) {
	s := shop()
	now := clocktest.Date(2025, 11, 11, 12, 0)
	hide := func(start, end time.Time) []models.Rule {
		return []models.Rule{{ID: "h", Query: "x", Action: models.RuleHide, ItemID: "a1", Start: start, End: end}}
	}
	tests := []struct {
		name       string
		start, end time.Time
		hidden     bool
	}{
		{"always", time.Time{}, time.Time{}, true},
		{"started", now.Add(-time.Hour), time.Time{}, true},
		{"starts now", now, time.Time{}, true},
		{"not yet", now.Add(time.Second), time.Time{}, false},
		{"ends later", time.Time{}, now.Add(time.Hour), true},
		{"ended now", time.Time{}, now, false},
		{"expired", now.Add(-2 * time.Hour), now.Add(-time.Hour), false},
		{"in window", now.Add(-time.Hour), now.Add(time.Hour), true},
	}
	for _, tt := range tests {
		res := s.Rank(all(s), Request{Rules: hide(tt.start, tt.end), Now: now, Limit: 100})
		if hidden := !slices.Contains(hitIDs(res, true), "a1"); hidden != tt.hidden {
			t.Errorf("%s: hidden %v, want %v", tt.name, hidden, tt.hidden)
		}
	}
}
