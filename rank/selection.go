package rank

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"shopsearch/models"
)

// Devices are the shopper's terminals a Selection may map to profiles.
var Devices = []string{"mobile", "pc"}

// maxArms caps the arms of an A/B test; maxArmWeight one arm's weight.
const (
	maxArms      = 10
	maxArmWeight = 10_000
)

// Selection says which profile serves a search: the device's profile
// ("default" for a device not mapped, or none), unless an A/B test is
// running, in which case the shopper's arm may name another.
type Selection struct {
	// Device maps a device (see Devices) to a profile name: {"mobile": "mobile"}.
	Device map[string]string `json:"device,omitempty"`
	AB     *ABTest           `json:"ab,omitempty"`
	// Slots choose the profile of recommendation slots by scene, region
	// and time (slots.go): the first rule that matches wins; with none a
	// slot is served by the profile a search would be.
	Slots []SlotRule `json:"slots,omitempty"`

	// Set on save.
	Author    string    `json:"author,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ABTest splits shoppers between arms by a hash of the test name and the
// user id, so a shopper stays in one arm for as long as the test keeps its
// name (renaming it reshuffles everyone). Anonymous shoppers get the first
// arm, the control.
type ABTest struct {
	Name string `json:"name"`
	Arms []Arm  `json:"arms"`
}

// Arm is one arm of an A/B test: its share of the shoppers is Weight over
// the sum of the weights.
type Arm struct {
	Name string `json:"name"`
	// Profile serves the arm's shoppers; "" leaves the device's profile
	// (the usual control arm).
	Profile string `json:"profile,omitempty"`
	Weight  int    `json:"weight"`
}

// Choice is the profile that serves one search.
type Choice struct {
	// Profile is shared with other searches: read it, never change it.
	Profile *models.WeightProfile
	Arm     string // the A/B arm, "" outside a test
}

// Select chooses the profile for a search on device by userID (either may
// be empty). An explicit profile name (an admin's preview or a debug
// request) overrides both and puts the search in no arm.
func (p *Profiles) Select(device, userID, explicit string) (Choice, error) {
	st := p.cur.Load()
	if explicit != "" {
		wp := st.current(explicit)
		if wp == nil {
			return Choice{}, models.Errorf(models.ENOTFOUND, "no profile %q", models.Clip(explicit))
		}
		return Choice{Profile: wp}, nil
	}
	name := "default"
	if n, ok := st.sel.Device[device]; ok {
		name = n
	}
	var c Choice
	if ab := st.sel.AB; ab != nil {
		arm := ab.Assign(userID)
		c.Arm = arm.Name
		if arm.Profile != "" {
			name = arm.Profile
		}
	}
	if c.Profile = st.current(name); c.Profile == nil { // cannot happen: profiles are never deleted
		c.Profile = st.current("default")
	}
	return c, nil
}

// Assign returns the arm of userID: FNV-1a of the test name, a NUL and the
// user id, modulo the total weight. An empty user id gets the control arm.
func (ab *ABTest) Assign(userID string) Arm {
	if userID == "" {
		return ab.Arms[0]
	}
	total := 0
	for _, a := range ab.Arms {
		total += a.Weight
	}
	h := fnv.New64a()
	h.Write([]byte(ab.Name))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	x := int(h.Sum64() % uint64(total))
	for _, a := range ab.Arms {
		if x < a.Weight {
			return a
		}
		x -= a.Weight
	}
	return ab.Arms[len(ab.Arms)-1] // unreachable
}

// Selection returns the current selection.
func (p *Profiles) Selection() Selection { return cloneSelection(p.cur.Load().sel) }

// PutSelection validates and saves the selection by author; it applies to
// the next search. Every profile it names must exist.
func (p *Profiles) PutSelection(sel Selection, author string) (Selection, error) {
	author, _, err := validAuthor(author, "")
	if err != nil {
		return Selection{}, err
	}
	sel = cloneSelection(sel)
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.cur.Load()
	if err := validSelection(&sel, func(name string) bool { return st.current(name) != nil }); err != nil {
		return Selection{}, err
	}
	sel.Author, sel.UpdatedAt = author, time.Now().UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(&sel)
	if err != nil {
		return Selection{}, fmt.Errorf("encode the selection: %w", err)
	}
	if err := p.st.PutSetting(selectionKey, data); err != nil {
		return Selection{}, fmt.Errorf("save the selection: %w", err)
	}
	p.cur.Store(&profileState{history: st.history, sel: sel})
	return cloneSelection(sel), nil
}

func validSelection(sel *Selection, exists func(string) bool) error {
	for d, name := range sel.Device {
		if !slices.Contains(Devices, d) {
			return invalidf("device: unknown device %q; the devices are mobile and pc", models.Clip(d))
		}
		if !exists(name) {
			return invalidf("device.%s: no profile %q", d, models.Clip(name))
		}
	}
	if err := validSlotRules(sel.Slots, exists); err != nil {
		return err
	}
	ab := sel.AB
	if ab == nil {
		return nil
	}
	if !profileName.MatchString(ab.Name) {
		return invalidf("ab.name %q: want 1 to 32 of a-z, 0-9, _ and -", models.Clip(ab.Name))
	}
	if len(ab.Arms) < 2 || len(ab.Arms) > maxArms {
		return invalidf("ab.arms: want 2 to %d arms, the first the control, got %d", maxArms, len(ab.Arms))
	}
	seen := map[string]bool{}
	for i, a := range ab.Arms {
		switch {
		case !profileName.MatchString(a.Name):
			return invalidf("ab.arms[%d].name %q: want 1 to 32 of a-z, 0-9, _ and -", i, models.Clip(a.Name))
		case seen[a.Name]:
			return invalidf("ab.arms[%d]: the name %q is taken by another arm", i, a.Name)
		case a.Weight < 1 || a.Weight > maxArmWeight:
			return invalidf("ab.arms[%d].weight: want 1 to %d, got %d", i, maxArmWeight, a.Weight)
		case a.Profile != "" && !exists(a.Profile):
			return invalidf("ab.arms[%d].profile: no profile %q", i, models.Clip(a.Profile))
		}
		seen[a.Name] = true
	}
	return nil
}

func cloneSelection(s Selection) Selection {
	s.Device = maps.Clone(s.Device)
	s.Slots = cloneSlotRules(s.Slots)
	if s.AB != nil {
		ab := *s.AB
		ab.Arms = slices.Clone(ab.Arms)
		s.AB = &ab
	}
	return s
}
