package rank

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"shopsearch/models"
	"shopsearch/store"
)

// openState opens a real embedded store at path (a fresh one when path is
// ""), closed when the test ends.
func openState(t *testing.T, path string) (*store.Embedded, string) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "state.db")
	}
	st, err := store.OpenEmbedded(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func newProfiles(t *testing.T, st ProfileStore) *Profiles {
	t.Helper()
	p, err := NewProfiles(st)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPut(t *testing.T, p *Profiles, wp models.WeightProfile) models.WeightProfile {
	t.Helper()
	saved, err := p.Put(wp, "alice", "test")
	if err != nil {
		t.Fatalf("Put %s: %v", wp.Name, err)
	}
	return saved
}

func profile(name string, weights map[string]float64) models.WeightProfile {
	return models.WeightProfile{Name: name, Weights: weights}
}

func TestValidateProfile(t *testing.T) {
	boosts := func(n int) map[string]float64 {
		m := map[string]float64{}
		for i := range n {
			m[fmt.Sprintf("brand%d", i)] = 0.1
		}
		return m
	}
	tests := []struct {
		name string
		edit func(p *models.WeightProfile)
		bad  string // a word of the error; "" for valid
	}{
		{"valid", func(p *models.WeightProfile) {}, ""},
		{"every factor", func(p *models.WeightProfile) {
			for _, f := range models.Factors {
				p.Weights[f] = -10
			}
		}, ""},
		{"name trimmed", func(p *models.WeightProfile) { p.Name = " promo-1111 " }, ""},
		{"empty name", func(p *models.WeightProfile) { p.Name = "" }, "name"},
		{"upper-case name", func(p *models.WeightProfile) { p.Name = "Mobile" }, "name"},
		{"long name", func(p *models.WeightProfile) { p.Name = strings.Repeat("a", 33) }, "name"},
		{"Chinese name", func(p *models.WeightProfile) { p.Name = "双十一" }, "name"},
		{"unknown factor", func(p *models.WeightProfile) { p.Weights["price"] = 1 }, "unknown factor"},
		{"weight over 10", func(p *models.WeightProfile) { p.Weights["sales"] = 10.5 }, "weights.sales"},
		{"weight under -10", func(p *models.WeightProfile) { p.Weights["sales"] = -11 }, "weights.sales"},
		{"NaN weight", func(p *models.WeightProfile) { p.Weights["text"] = math.NaN() }, "weights.text"},
		{"infinite weight", func(p *models.WeightProfile) { p.Weights["text"] = math.Inf(1) }, "weights.text"},
		{"out_of_stock filter", func(p *models.WeightProfile) { p.OutOfStock = "filter" }, ""},
		{"out_of_stock keep", func(p *models.WeightProfile) { p.OutOfStock = "keep" }, ""},
		{"out_of_stock bad", func(p *models.WeightProfile) { p.OutOfStock = "hide" }, "out_of_stock"},
		{"half-life negative", func(p *models.WeightProfile) { p.NewHalfLifeDays = -1 }, "new_half_life_days"},
		{"half-life 3650", func(p *models.WeightProfile) { p.NewHalfLifeDays = 3650 }, ""},
		{"half-life over 3650", func(p *models.WeightProfile) { p.NewHalfLifeDays = 3651 }, "new_half_life_days"},
		{"half-life NaN", func(p *models.WeightProfile) { p.NewHalfLifeDays = math.NaN() }, "new_half_life_days"},
		{"brand boost", func(p *models.WeightProfile) { p.BrandBoost = map[string]float64{"华为": 1, "Apple": -1} }, ""},
		{"brand boost over 1", func(p *models.WeightProfile) { p.BrandBoost = map[string]float64{"华为": 1.5} }, "brand_boost"},
		{"brand boost empty key", func(p *models.WeightProfile) { p.BrandBoost = map[string]float64{" ": 0.5} }, "brand_boost"},
		{"brand boost twice", func(p *models.WeightProfile) { p.BrandBoost = map[string]float64{"Apple": 0.5, "apple ": 0.2} }, "twice"},
		{"brand boost 200 entries", func(p *models.WeightProfile) { p.BrandBoost = boosts(maxBoosts) }, ""},
		{"brand boost 201 entries", func(p *models.WeightProfile) { p.BrandBoost = boosts(maxBoosts + 1) }, "limit"},
		{"category boost", func(p *models.WeightProfile) { p.CategoryBoost = map[string]float64{"数码>手机": 0.3} }, ""},
		{"category boost under -1", func(p *models.WeightProfile) { p.CategoryBoost = map[string]float64{"数码": -2} }, "category_boost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := profile("mobile", map[string]float64{"text": 1, "sales": 0.2})
			tt.edit(&p)
			err := ValidateProfile(&p)
			switch {
			case tt.bad == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.bad != "" && (err == nil || models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tt.bad)):
				t.Fatalf("error %v, want an invalid error about %q", err, tt.bad)
			}
		})
	}
}

func TestValidateProfileCompletesAndCopies(t *testing.T) {
	w := map[string]float64{"text": 1}
	p := models.WeightProfile{Name: "x", Weights: w, CategoryBoost: map[string]float64{" 数码 > 手机 ": 0.5}}
	if err := ValidateProfile(&p); err != nil {
		t.Fatal(err)
	}
	if p.OutOfStock != "last" || p.NewHalfLifeDays != 30 {
		t.Errorf("defaults: out_of_stock %q, half-life %g", p.OutOfStock, p.NewHalfLifeDays)
	}
	if _, ok := p.CategoryBoost["数码>手机"]; !ok {
		t.Errorf("category boost keys not normalised: %v", p.CategoryBoost)
	}
	w["text"] = 5
	if p.Weights["text"] != 1 {
		t.Error("the validated profile shares its weights map with the caller")
	}
}

func TestProfilesDefaultAlwaysExists(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	def, ok := p.Get("default")
	if !ok || def.Version != 0 || def.Weights["text"] != 1 {
		t.Fatalf("default on an empty store: %+v, %v", def, ok)
	}
	if list := p.List(); len(list) != 1 || list[0].Name != "default" {
		t.Errorf("List on an empty store: %+v", list)
	}
	c, err := p.Select("", "", "")
	if err != nil || c.Profile.Name != "default" || c.Arm != "" {
		t.Errorf("Select on an empty store: %+v, %v", c, err)
	}
	if _, ok := p.Get("mobile"); ok {
		t.Error("Get of a profile never saved succeeded")
	}
}

func TestProfilesVersionsHistoryRollback(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	v1 := mustPut(t, p, profile("mobile", map[string]float64{"text": 1, "sales": 0.1}))
	v2 := mustPut(t, p, profile("mobile", map[string]float64{"text": 1, "sales": 0.5}))
	if v1.Version != 1 || v2.Version != 2 || v2.Author != "alice" || v2.Note != "test" || v2.UpdatedAt.IsZero() {
		t.Fatalf("saved %+v then %+v", v1, v2)
	}
	if cur, _ := p.Get("mobile"); cur.Version != 2 || cur.Weights["sales"] != 0.5 {
		t.Errorf("current %+v, want version 2", cur)
	}
	back, err := p.Rollback("mobile", 1, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != 3 || back.Weights["sales"] != 0.1 || back.Note != "rollback to v1" || back.Author != "bob" {
		t.Errorf("rollback saved %+v", back)
	}
	h, ok := p.History("mobile")
	if !ok || len(h) != 3 {
		t.Fatalf("history %+v", h)
	}
	for i, v := range h {
		if v.Version != i+1 {
			t.Errorf("history[%d] is version %d", i, v.Version)
		}
	}
	// The built-in default is version 0 of "default": saving one makes
	// version 1, and rolling back restores the built-in weights.
	d1 := mustPut(t, p, profile("default", map[string]float64{"text": 2}))
	if d1.Version != 1 {
		t.Errorf("first saved default is version %d", d1.Version)
	}
	d2, err := p.Rollback("default", 0, "bob")
	if err != nil || d2.Version != 2 || d2.Weights["stock"] != DefaultProfile().Weights["stock"] {
		t.Errorf("rollback of default to v0: %+v, %v", d2, err)
	}
	for _, tt := range []struct {
		name    string
		version int
		code    string
	}{{"mobile", 9, models.ENOTFOUND}, {"absent", 1, models.ENOTFOUND}} {
		if _, err := p.Rollback(tt.name, tt.version, "bob"); models.ErrorCode(err) != tt.code {
			t.Errorf("rollback %s to v%d: %v, want %s", tt.name, tt.version, err, tt.code)
		}
	}
	if _, err := p.Put(profile("mobile", nil), " ", ""); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("a profile without an author: %v", err)
	}
	// Changing what Get returned changes nothing.
	got, _ := p.Get("mobile")
	got.Weights["sales"] = 9
	if again, _ := p.Get("mobile"); again.Weights["sales"] == 9 {
		t.Error("Get returns the shared profile")
	}
}

func TestProfilesSurviveReopen(t *testing.T) {
	st, path := openState(t, "")
	p := newProfiles(t, st)
	mustPut(t, p, profile("pc", map[string]float64{"text": 1}))
	mustPut(t, p, profile("pc", map[string]float64{"text": 1, "self": 0.4}))
	mustPut(t, p, profile("mobile", map[string]float64{"text": 1, "promo": 0.3}))
	if _, err := p.PutSelection(Selection{Device: map[string]string{"pc": "pc", "mobile": "mobile"}}, "alice"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st2, _ := openState(t, path)
	p2 := newProfiles(t, st2)
	pc, ok := p2.Get("pc")
	if !ok || pc.Version != 2 || pc.Weights["self"] != 0.4 || pc.Author != "alice" {
		t.Errorf("pc after reopening: %+v", pc)
	}
	if h, _ := p2.History("pc"); len(h) != 2 {
		t.Errorf("pc history after reopening: %d versions", len(h))
	}
	if sel := p2.Selection(); sel.Device["mobile"] != "mobile" || sel.Author != "alice" {
		t.Errorf("selection after reopening: %+v", sel)
	}
	if c, _ := p2.Select("mobile", "", ""); c.Profile.Name != "mobile" {
		t.Errorf("mobile selects %s after reopening", c.Profile.Name)
	}
	// The next version follows the stored ones.
	if v := mustPut(t, p2, profile("pc", nil)); v.Version != 3 {
		t.Errorf("next pc version %d, want 3", v.Version)
	}
}

// TestProfilesReplicas: two managers over one store, as two replicas
// would share one; Reload picks up the other's saves, and a save from a
// stale replica is refused, not lost.
func TestProfilesReplicas(t *testing.T) {
	st, _ := openState(t, "")
	a, b := newProfiles(t, st), newProfiles(t, st)
	mustPut(t, a, profile("promo", map[string]float64{"promo": 1}))
	if _, ok := b.Get("promo"); ok {
		t.Fatal("b sees promo before reloading")
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.Get("promo"); !ok || got.Version != 1 {
		t.Fatalf("b after reload: %+v", got)
	}
	mustPut(t, a, profile("promo", map[string]float64{"promo": 2}))
	if _, err := b.Put(profile("promo", map[string]float64{"promo": 3}), "bob", ""); models.ErrorCode(err) != models.ECONFLICT {
		t.Fatalf("a stale replica's save: %v, want a conflict", err)
	}
	// The conflict reloaded b: a retry saves version 3.
	if v := mustPut(t, b, profile("promo", map[string]float64{"promo": 3})); v.Version != 3 {
		t.Errorf("retry saved version %d", v.Version)
	}
}

func TestSelectByDevice(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	mustPut(t, p, profile("mobile", map[string]float64{"text": 1}))
	mustPut(t, p, profile("pc", map[string]float64{"text": 1}))
	if _, err := p.PutSelection(Selection{Device: map[string]string{"mobile": "mobile", "pc": "pc"}}, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ device, explicit, want string }{
		{"mobile", "", "mobile"},
		{"pc", "", "pc"},
		{"", "", "default"},
		{"mobile", "pc", "pc"},
		{"", "default", "default"},
	} {
		c, err := p.Select(tt.device, "u1", tt.explicit)
		if err != nil || c.Profile.Name != tt.want || c.Arm != "" {
			t.Errorf("Select(%q, explicit %q) = %s arm %q, %v; want %s", tt.device, tt.explicit, c.Profile.Name, c.Arm, err, tt.want)
		}
	}
	if _, err := p.Select("pc", "", "absent"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("explicit unknown profile: %v", err)
	}
}

func TestSelectABTest(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	mustPut(t, p, profile("mobile", map[string]float64{"text": 1}))
	mustPut(t, p, profile("sales-heavy", map[string]float64{"text": 1, "sales": 1}))
	sel := Selection{
		Device: map[string]string{"mobile": "mobile"},
		AB: &ABTest{Name: "sales-2025", Arms: []Arm{
			{Name: "control", Weight: 70},
			{Name: "sales", Profile: "sales-heavy", Weight: 30},
		}},
	}
	if _, err := p.PutSelection(sel, "alice"); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	const users = 10_000
	for i := range users {
		user := fmt.Sprintf("user-%d", i)
		c, err := p.Select("mobile", user, "")
		if err != nil {
			t.Fatal(err)
		}
		counts[c.Arm]++
		want := map[string]string{"control": "mobile", "sales": "sales-heavy"}[c.Arm]
		if c.Profile.Name != want {
			t.Fatalf("%s in arm %s gets profile %s, want %s", user, c.Arm, c.Profile.Name, want)
		}
		// Stable: the same user, asked again, gets the same arm.
		if again, _ := p.Select("pc", user, ""); again.Arm != c.Arm {
			t.Fatalf("%s: arm %s then %s", user, c.Arm, again.Arm)
		}
	}
	if share := float64(counts["sales"]) / users; math.Abs(share-0.3) > 0.02 {
		t.Errorf("arm shares %v: sales has %.3f, want 0.30 ± 0.02", counts, share)
	}
	// The control arm leaves the device's profile; pc has none mapped.
	if c, _ := p.Select("", "", ""); c.Arm != "control" || c.Profile.Name != "default" {
		t.Errorf("anonymous: arm %q profile %s, want control and default", c.Arm, c.Profile.Name)
	}
	// An explicit profile takes the search out of the test.
	if c, _ := p.Select("mobile", "user-1", "mobile"); c.Arm != "" {
		t.Errorf("explicit profile in arm %q", c.Arm)
	}
	// Assignment is a pure function of the test name and the user: a
	// reopened manager agrees.
	p2 := newProfiles(t, st)
	for i := range 100 {
		user := fmt.Sprintf("user-%d", i)
		a, _ := p.Select("mobile", user, "")
		b, _ := p2.Select("mobile", user, "")
		if a.Arm != b.Arm {
			t.Errorf("%s: arm %s, after reloading %s", user, a.Arm, b.Arm)
		}
	}
}

func TestPutSelectionValidates(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	mustPut(t, p, profile("mobile", nil))
	arms := func(a ...Arm) *ABTest { return &ABTest{Name: "t1", Arms: a} }
	tests := []struct {
		name string
		sel  Selection
		bad  string
	}{
		{"empty", Selection{}, ""},
		{"devices", Selection{Device: map[string]string{"mobile": "mobile", "pc": "default"}}, ""},
		{"unknown device", Selection{Device: map[string]string{"tv": "mobile"}}, "device"},
		{"unknown profile", Selection{Device: map[string]string{"pc": "pc"}}, "no profile"},
		{"ab", Selection{AB: arms(Arm{Name: "a", Weight: 1}, Arm{Name: "b", Profile: "mobile", Weight: 1})}, ""},
		{"one arm", Selection{AB: arms(Arm{Name: "a", Weight: 1})}, "arms"},
		{"zero weight", Selection{AB: arms(Arm{Name: "a", Weight: 0}, Arm{Name: "b", Weight: 1})}, "weight"},
		{"same arm twice", Selection{AB: arms(Arm{Name: "a", Weight: 1}, Arm{Name: "a", Weight: 1})}, "taken"},
		{"arm of no profile", Selection{AB: arms(Arm{Name: "a", Weight: 1}, Arm{Name: "b", Profile: "x", Weight: 1})}, "no profile"},
		{"bad test name", Selection{AB: &ABTest{Name: "A B", Arms: []Arm{{Name: "a", Weight: 1}, {Name: "b", Weight: 1}}}}, "ab.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.PutSelection(tt.sel, "alice")
			switch {
			case tt.bad == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.bad != "" && (models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tt.bad)):
				t.Fatalf("error %v, want an invalid error about %q", err, tt.bad)
			}
		})
	}
	if _, err := p.PutSelection(Selection{}, ""); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("a selection without an author: %v", err)
	}
}

// TestProfilesHot: a Put is what the next Rank uses, with no reload.
func TestProfilesHot(t *testing.T) {
	s := shop()
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	top := func() string {
		c, _ := p.Select("", "", "")
		return hitIDs(s.Rank(all(s), Request{Profile: c.Profile, Limit: 1}), false)[0]
	}
	before := top()
	mustPut(t, p, models.WeightProfile{Name: "default", Weights: map[string]float64{"text": 1, "brand": 2},
		BrandBoost: map[string]float64{"Lancome/兰蔻": 1}})
	if after := top(); after != "a7" {
		t.Errorf("top after boosting 兰蔻: %s (before %s), want a7", after, before)
	}
}
