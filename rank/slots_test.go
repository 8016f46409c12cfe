package rank

import (
	"strings"
	"testing"
	"time"

	"shopsearch/models"
)

func TestSlotRuleMatches(t *testing.T) {
	// 2026-11-11 is a Wednesday; 20:30 China time is 12:30 UTC.
	at := time.Date(2026, 11, 11, 12, 30, 0, 0, time.UTC)
	hours := func(a, b int) *[2]int { return &[2]int{a, b} }
	for _, tc := range []struct {
		name string
		r    SlotRule
		want bool
	}{
		{"empty matches all", SlotRule{}, true},
		{"scene", SlotRule{Scenes: []string{"home"}}, true},
		{"other scene", SlotRule{Scenes: []string{"cart"}}, false},
		{"region", SlotRule{Regions: []string{"bj", "sh"}}, true},
		{"other region", SlotRule{Regions: []string{"gz"}}, false},
		{"weekday in China time", SlotRule{Weekdays: []int{3}}, true},
		{"weekend", SlotRule{Weekdays: []int{0, 6}}, false},
		{"promotion day", SlotRule{Dates: []string{"2026-11-11"}}, true},
		{"another day", SlotRule{Dates: []string{"2026-12-12"}}, false},
		{"evening", SlotRule{Hours: hours(18, 24)}, true},
		{"morning", SlotRule{Hours: hours(6, 12)}, false},
		{"night wraps midnight", SlotRule{Hours: hours(22, 6)}, false},
		{"all conditions", SlotRule{Scenes: []string{"home"}, Regions: []string{"sh"}, Dates: []string{"2026-11-11"}, Hours: hours(20, 21)}, true},
		{"one fails", SlotRule{Scenes: []string{"home"}, Regions: []string{"bj"}, Hours: hours(8, 9)}, false},
	} {
		if got := tc.r.matches("home", "sh", at); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
	night := SlotRule{Hours: hours(22, 6)}
	if !night.matches("home", "", time.Date(2026, 11, 11, 16, 0, 0, 0, time.UTC)) { // 00:00 China time
		t.Error("night rule misses midnight")
	}
}

func TestSelectSlot(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	mustPut(t, p, profile("promo", map[string]float64{"text": 1, "promo": 0.5}))
	mustPut(t, p, profile("mobile", map[string]float64{"text": 1, "self": 0.2}))
	sel := Selection{Device: map[string]string{"mobile": "mobile"}, Slots: []SlotRule{
		{Profile: "promo", Scenes: []string{"home"}, Dates: []string{"2026-11-11"}},
	}}
	if _, err := p.PutSelection(sel, "alice"); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 11, 4, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		scene  string
		now    time.Time
		device string
		want   string
	}{
		{"home", day, "mobile", "promo"},
		{"cart", day, "mobile", "mobile"},             // no rule: as a search on the device
		{"home", day.AddDate(0, 0, 1), "", "default"}, // the day after
	} {
		c, err := p.SelectSlot(tc.scene, "", tc.device, "u1", tc.now)
		if err != nil || c.Profile.Name != tc.want {
			t.Errorf("%s on %v (%s): %v %v, want %s", tc.scene, tc.now, tc.device, c.Profile, err, tc.want)
		}
	}
	// The rules survive a reload, as the replicas' poller does it.
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := p.Selection().Slots; len(got) != 1 || got[0].Profile != "promo" {
		t.Errorf("after reload: %+v", got)
	}
}

func TestSlotRulesRejected(t *testing.T) {
	st, _ := openState(t, "")
	p := newProfiles(t, st)
	for _, tc := range []struct {
		rule SlotRule
		want string
	}{
		{SlotRule{Profile: "nope"}, `slots[0].profile: no profile "nope"`},
		{SlotRule{Profile: "default", Weekdays: []int{7}}, "weekdays"},
		{SlotRule{Profile: "default", Hours: &[2]int{3, 3}}, "hours"},
		{SlotRule{Profile: "default", Hours: &[2]int{-1, 3}}, "hours"},
		{SlotRule{Profile: "default", Dates: []string{"11/11"}}, "dates"},
		{SlotRule{Profile: "default", Scenes: []string{"Home Page"}}, "scene or region"},
	} {
		_, err := p.PutSelection(Selection{Slots: []SlotRule{tc.rule}}, "alice")
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want invalid naming %q", tc.rule, err, tc.want)
		}
	}
	many := make([]SlotRule, maxSlotRules+1)
	for i := range many {
		many[i].Profile = "default"
	}
	if _, err := p.PutSelection(Selection{Slots: many}, "alice"); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("%d rules: %v", len(many), err)
	}
}
