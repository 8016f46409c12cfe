package rank

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// Limits of what merchandisers save; checked by ValidateProfile and ValidateRule.
const (
	maxWeight         = 10
	maxBoosts         = 200 // entries of one boost map
	maxHalfLifeDays   = 3650
	maxRulePosition   = 1000
	maxAuthorRunes    = 64
	maxNoteRunes      = 500
	maxKeyRunes       = 100 // a boosted brand or category
	maxRuleQueryRunes = 200
	maxRuleCatRunes   = 300
)

var (
	profileName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	ruleID      = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

// Out-of-stock treatments of a profile.
var outOfStock = []string{"last", "filter", "keep"}

func invalidf(format string, args ...any) error {
	return models.Errorf(models.EINVALID, format, args...)
}

// ValidateProfile checks a profile a merchandiser wrote and completes it:
// an empty out_of_stock is "last" and a zero half-life the default
// profile's. Its maps are copied, so the caller's later changes do not
// reach it. Version, author, note and time are left to Profiles.Put.
func ValidateProfile(p *models.WeightProfile) error {
	p.Name = strings.TrimSpace(p.Name)
	if !profileName.MatchString(p.Name) {
		return invalidf("profile name %q: want 1 to 32 of a-z, 0-9, _ and -", models.Clip(p.Name))
	}
	weights := make(map[string]float64, len(p.Weights))
	for name, w := range p.Weights {
		if !slices.Contains(models.Factors, name) {
			return invalidf("weights: unknown factor %q; the factors are %s", models.Clip(name), strings.Join(models.Factors, ", "))
		}
		if math.IsNaN(w) || w < -maxWeight || w > maxWeight {
			return invalidf("weights.%s: %g is not in [-%d, %d]", name, w, maxWeight, maxWeight)
		}
		weights[name] = w
	}
	p.Weights = weights
	if p.OutOfStock == "" {
		p.OutOfStock = "last"
	}
	if !slices.Contains(outOfStock, p.OutOfStock) {
		return invalidf("out_of_stock: want last, filter or keep, got %q", models.Clip(p.OutOfStock))
	}
	if p.NewHalfLifeDays == 0 {
		p.NewHalfLifeDays = DefaultProfile().NewHalfLifeDays
	}
	if !(p.NewHalfLifeDays > 0 && p.NewHalfLifeDays <= maxHalfLifeDays) { // NaN fails too
		return invalidf("new_half_life_days: %g is not in (0, %d]", p.NewHalfLifeDays, maxHalfLifeDays)
	}
	var err error
	if p.BrandBoost, err = validBoosts("brand_boost", p.BrandBoost, strings.TrimSpace); err != nil {
		return err
	}
	p.CategoryBoost, err = validBoosts("category_boost", p.CategoryBoost, normCategory)
	return err
}

// validBoosts checks a boost map and returns a copy with its keys normalised.
func validBoosts(field string, m map[string]float64, norm func(string) string) (map[string]float64, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if len(m) > maxBoosts {
		return nil, invalidf("%s: %d entries; the limit is %d", field, len(m), maxBoosts)
	}
	out := make(map[string]float64, len(m))
	seen := make(map[string]bool, len(m)) // brands match case-insensitively
	for k, v := range m {
		nk := norm(k)
		if nk == "" || utf8.RuneCountInString(nk) > maxKeyRunes {
			return nil, invalidf("%s: key %q must be 1 to %d characters", field, models.Clip(k), maxKeyRunes)
		}
		if math.IsNaN(v) || v < -1 || v > 1 {
			return nil, invalidf("%s[%q]: %g is not in [-1, 1]", field, models.Clip(k), v)
		}
		if seen[strings.ToLower(nk)] {
			return nil, invalidf("%s: %q is given twice", field, nk)
		}
		seen[strings.ToLower(nk)] = true
		out[nk] = v
	}
	return out, nil
}

// validAuthor checks who saves a change and why.
func validAuthor(author, note string) (string, string, error) {
	author, note = strings.TrimSpace(author), strings.TrimSpace(note)
	if author == "" || utf8.RuneCountInString(author) > maxAuthorRunes {
		return "", "", invalidf("author: say who makes the change, in 1 to %d characters", maxAuthorRunes)
	}
	if utf8.RuneCountInString(note) > maxNoteRunes {
		return "", "", invalidf("note: %d characters; the limit is %d", utf8.RuneCountInString(note), maxNoteRunes)
	}
	return author, note, nil
}

// ValidateRule checks a rule a merchandiser wrote, trims its texts and
// normalises its category paths; an empty match is "exact". An empty id is
// allowed (Rulebook.Put assigns one).
func ValidateRule(r *models.Rule) error {
	if r.ID != "" && !ruleID.MatchString(r.ID) {
		return invalidf("id %q: want 1 to 64 of A-Z, a-z, 0-9, _ . : and -", models.Clip(r.ID))
	}
	r.Query, r.Category = strings.TrimSpace(r.Query), normCategory(r.Category)
	r.ItemID, r.Brand, r.CatPath = strings.TrimSpace(r.ItemID), strings.TrimSpace(r.Brand), normCategory(r.CatPath)
	switch {
	case (r.Query == "") == (r.Category == ""):
		return invalidf("give exactly one of query (a search) and category (a category page)")
	case utf8.RuneCountInString(r.Query) > maxRuleQueryRunes:
		return invalidf("query: longer than %d characters", maxRuleQueryRunes)
	case utf8.RuneCountInString(r.Category) > maxRuleCatRunes:
		return invalidf("category: longer than %d characters", maxRuleCatRunes)
	}
	if r.Query != "" && r.Match == "" {
		r.Match = "exact"
	}
	switch {
	case r.Query != "" && r.Match != "exact" && r.Match != "contains":
		return invalidf("match: want exact or contains, got %q", models.Clip(r.Match))
	case r.Category != "" && r.Match != "":
		return invalidf("match: applies to query rules only; a category rule covers the category and its subcategories")
	}
	item := r.ItemID != "" || r.Position != 0
	boost := r.Brand != "" || r.CatPath != "" || r.Weight != 0
	switch r.Action {
	case models.RulePin:
		if r.ItemID == "" || r.Position < 1 || r.Position > maxRulePosition {
			return invalidf("pin needs item_id and a position from 1 to %d", maxRulePosition)
		}
	case models.RuleBury, models.RuleHide:
		if r.ItemID == "" || r.Position != 0 {
			return invalidf("%s needs item_id, and no position", r.Action)
		}
	case models.RuleBoost:
		if r.Brand == "" && r.CatPath == "" {
			return invalidf("boost needs brand or cat_path")
		}
		if math.IsNaN(r.Weight) || r.Weight == 0 || r.Weight < -1 || r.Weight > 1 {
			return invalidf("boost weight: want a non-zero number in [-1, 1], got %g", r.Weight)
		}
		if item {
			return invalidf("boost takes brand or cat_path, not item_id or position")
		}
	default:
		return invalidf("action: want pin, bury, hide or boost, got %q", models.Clip(string(r.Action)))
	}
	if r.Action != models.RuleBoost && boost {
		return invalidf("%s takes item_id, not brand, cat_path or weight", r.Action)
	}
	if len(r.ItemID) > 256 || utf8.RuneCountInString(r.Brand) > maxKeyRunes || utf8.RuneCountInString(r.CatPath) > maxRuleCatRunes {
		return invalidf("item_id, brand or cat_path is too long")
	}
	if !r.Start.IsZero() && !r.End.IsZero() && !r.End.After(r.Start) {
		return invalidf("end %s is not after start %s", r.End.Format("2006-01-02 15:04"), r.Start.Format("2006-01-02 15:04"))
	}
	return nil
}

// cloneProfile is a deep copy.
func cloneProfile(p *models.WeightProfile) models.WeightProfile {
	c := *p
	c.Weights = maps.Clone(p.Weights)
	c.BrandBoost = maps.Clone(p.BrandBoost)
	c.CategoryBoost = maps.Clone(p.CategoryBoost)
	return c
}
