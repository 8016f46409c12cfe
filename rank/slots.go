package rank

import (
	"slices"
	"time"

	"shopsearch/models"
)

// Recommendation slots switch weight profiles by time and place — a
// promotion-day profile on 11.11, an evening profile, a region whose
// warehouse is short — with rules in the Selection, saved, versioned and
// replicated with it (PUT /api/admin/selection).

// SlotRule picks Profile for the slots it matches: every condition it sets
// must hold (an empty one holds always).
type SlotRule struct {
	Profile  string   `json:"profile"`
	Scenes   []string `json:"scenes,omitempty"`   // home, detail, cart, order_complete, zero_result
	Regions  []string `json:"regions,omitempty"`  // the shopper's region code
	Weekdays []int    `json:"weekdays,omitempty"` // 0 Sunday … 6 Saturday, China time
	// Hours is [from, to) in whole hours of China time, 0–24; from > to
	// wraps midnight ([22, 6]: the night).
	Hours *[2]int `json:"hours,omitempty"`
	// Dates are days of China time, 2006-01-02: holidays, promotion days.
	Dates []string `json:"dates,omitempty"`
}

// Limits of slot rules.
const (
	maxSlotRules  = 50
	maxRuleValues = 100 // scenes, regions or dates of one rule
)

// chinaTime is UTC+8, the storefront's clock for slot rules (fixed: China
// has no daylight saving, and the process may have no time zone data).
var chinaTime = time.FixedZone("CST", 8*3600)

// matches reports whether r applies to a slot of scene for region at now.
func (r *SlotRule) matches(scene, region string, now time.Time) bool {
	t := now.In(chinaTime)
	if len(r.Scenes) > 0 && !slices.Contains(r.Scenes, scene) ||
		len(r.Regions) > 0 && !slices.Contains(r.Regions, region) ||
		len(r.Weekdays) > 0 && !slices.Contains(r.Weekdays, int(t.Weekday())) ||
		len(r.Dates) > 0 && !slices.Contains(r.Dates, t.Format(time.DateOnly)) {
		return false
	}
	if h := r.Hours; h != nil {
		from, to, at := h[0], h[1], t.Hour()
		if from <= to && (at < from || at >= to) || from > to && at < from && at >= to {
			return false
		}
	}
	return true
}

// SelectSlot chooses the profile of a recommendation slot: the first slot
// rule that matches scene, region and now, else the profile a search on
// device by userID would get (Select).
func (p *Profiles) SelectSlot(scene, region, device, userID string, now time.Time) (Choice, error) {
	st := p.cur.Load()
	for i := range st.sel.Slots {
		r := &st.sel.Slots[i]
		if r.matches(scene, region, now) {
			if wp := st.current(r.Profile); wp != nil {
				return Choice{Profile: wp}, nil
			}
		}
	}
	return p.Select(device, userID, "")
}

func validSlotRules(rules []SlotRule, exists func(string) bool) error {
	if len(rules) > maxSlotRules {
		return invalidf("slots: %d rules; the limit is %d", len(rules), maxSlotRules)
	}
	for i, r := range rules {
		switch {
		case !exists(r.Profile):
			return invalidf("slots[%d].profile: no profile %q", i, models.Clip(r.Profile))
		case len(r.Scenes) > maxRuleValues || len(r.Regions) > maxRuleValues || len(r.Dates) > maxRuleValues || len(r.Weekdays) > 7:
			return invalidf("slots[%d]: at most %d scenes, regions or dates and 7 weekdays", i, maxRuleValues)
		}
		for _, list := range [][]string{r.Scenes, r.Regions} {
			for _, v := range list {
				if !profileName.MatchString(v) {
					return invalidf("slots[%d]: scene or region %q: want 1 to 32 of a-z, 0-9, _ and -", i, models.Clip(v))
				}
			}
		}
		for _, d := range r.Weekdays {
			if d < 0 || d > 6 {
				return invalidf("slots[%d].weekdays: want 0 (Sunday) to 6, got %d", i, d)
			}
		}
		if h := r.Hours; h != nil && (h[0] < 0 || h[0] > 24 || h[1] < 0 || h[1] > 24 || h[0] == h[1]) {
			return invalidf("slots[%d].hours: want [from, to) with whole hours 0–24, from ≠ to, got %v", i, *h)
		}
		for _, d := range r.Dates {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return invalidf("slots[%d].dates: want 2006-01-02, got %q", i, models.Clip(d))
			}
		}
	}
	return nil
}

func cloneSlotRules(rules []SlotRule) []SlotRule {
	if rules == nil {
		return nil
	}
	out := make([]SlotRule, len(rules))
	for i, r := range rules {
		r.Scenes, r.Regions, r.Weekdays, r.Dates = slices.Clone(r.Scenes), slices.Clone(r.Regions), slices.Clone(r.Weekdays), slices.Clone(r.Dates)
		if r.Hours != nil {
			h := *r.Hours
			r.Hours = &h
		}
		out[i] = r
	}
	return out
}
