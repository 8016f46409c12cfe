package suggest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shopsearch/models"
	"shopsearch/publish"
)

// ConfigFile is the merchandisers' configuration, in the data directory.
const ConfigFile = "suggest.json"

// maxMerchEntries bounds each list of a Merch.
const maxMerchEntries = 1000

// Merch is what merchandisers set for the search box: hot searches, the
// hint, and lists that override what shoppers' searches would suggest.
// Texts are matched after normalisation (蘋果 is 苹果, case and spaces do not
// count).
type Merch struct {
	// Hint is the search-box placeholder (底纹); empty shows the top hot search.
	Hint string `json:"hint"`
	// HotPins come first among the hot searches, in this order.
	HotPins []string `json:"hot_pins"`
	// Allow lists texts suggested even though no shopper searched them yet
	// (campaign names, new brands); they are not checked for results.
	Allow []string `json:"allow"`
	// Deny lists texts never suggested nor shown hot; DenyContains, any
	// text that contains one of these.
	Deny         []string `json:"deny"`
	DenyContains []string `json:"deny_contains"`
	// Pins put a suggestion first for an input: {"input":"手机","text":"华为mate70"}.
	Pins []Pin `json:"pins"`

	// Set on save.
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Pin is one pinned suggestion.
type Pin struct {
	Input string `json:"input"`
	Text  string `json:"text"`
}

// merch is a Merch compiled for lookups.
type merch struct {
	cfg          Merch
	deny         map[string]bool // keyOf each Deny text
	denyContains []string        // keyOf each DenyContains text
	pins         map[string][]string
}

func compileMerch(m Merch) *merch {
	c := &merch{cfg: m, deny: map[string]bool{}, pins: map[string][]string{}}
	for _, t := range m.Deny {
		c.deny[keyOf(t)] = true
	}
	for _, t := range m.DenyContains {
		c.denyContains = append(c.denyContains, keyOf(t))
	}
	for _, p := range m.Pins {
		k := keyOf(p.Input)
		c.pins[k] = append(c.pins[k], displayOf(p.Text))
	}
	return c
}

// denied reports whether the text with key k may not be shown.
func (c *merch) denied(k string) bool {
	if c.deny[k] {
		return true
	}
	for _, d := range c.denyContains {
		if strings.Contains(k, d) {
			return true
		}
	}
	return false
}

// validate checks m and cleans its texts (trimmed; empty list entries are
// an error). maxRunes bounds every text.
func (m *Merch) validate(maxRunes int) error {
	check := func(field string, v *string, required bool) error {
		s := strings.TrimSpace(*v)
		switch {
		case !utf8.ValidString(s):
			return models.Errorf(models.EINVALID, "%s: %q is not valid UTF-8", field, s)
		case strings.IndexFunc(s, unicode.IsControl) >= 0:
			return models.Errorf(models.EINVALID, "%s: %q contains a control character", field, s)
		case required && keyOf(s) == "":
			return models.Errorf(models.EINVALID, "%s: an entry is empty", field)
		case utf8.RuneCountInString(s) > maxRunes:
			return models.Errorf(models.EINVALID, "%s: %q is over %d characters", field, s, maxRunes)
		}
		*v = s
		return nil
	}
	list := func(field string, vs []string) error {
		if len(vs) > maxMerchEntries {
			return models.Errorf(models.EINVALID, "%s: %d entries; the limit is %d", field, len(vs), maxMerchEntries)
		}
		for i := range vs {
			if err := check(field, &vs[i], true); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check("hint", &m.Hint, false); err != nil {
		return err
	}
	for _, l := range []struct {
		name string
		vs   []string
	}{{"hot_pins", m.HotPins}, {"allow", m.Allow}, {"deny", m.Deny}, {"deny_contains", m.DenyContains}} {
		if err := list(l.name, l.vs); err != nil {
			return err
		}
	}
	if len(m.Pins) > maxMerchEntries {
		return models.Errorf(models.EINVALID, "pins: %d entries; the limit is %d", len(m.Pins), maxMerchEntries)
	}
	for i := range m.Pins {
		if err := check("pins.input", &m.Pins[i].Input, true); err != nil {
			return err
		}
		if err := check("pins.text", &m.Pins[i].Text, true); err != nil {
			return err
		}
	}
	return nil
}

// loadMerch reads the configuration of dir; none is the zero Merch.
func loadMerch(dir string) (Merch, error) {
	var m Merch
	if dir == "" {
		return m, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read suggest config: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read suggest config %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	return m, nil
}

// saveMerch writes m to dir atomically (write temp, fsync, rename).
func saveMerch(dir string, m Merch) error {
	if dir == "" {
		return nil
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode suggest config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save suggest config: %w", err)
	}
	if err := publish.Bytes(filepath.Join(dir, ConfigFile), append(b, '\n')); err != nil {
		return fmt.Errorf("save suggest config: %w", err)
	}
	return nil
}
