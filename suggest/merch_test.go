package suggest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shopsearch/models"
)

func TestMerchApplies(t *testing.T) {
	dir := t.TempDir()
	s := newBuilt(t, Config{DataDir: dir, HotSize: 5}, Deps{Words: sampleWords}, sampleProducts(t))
	m := Merch{
		Hint:         "年货节 手机壳",
		HotPins:      []string{"年货节", "蓝牙耳机"},
		Deny:         []string{"手机膜"},
		DenyContains: []string{"吃鸡"},
		Pins:         []Pin{{Input: "手机", Text: "华为手机"}, {Input: "shouji", Text: "华为手机"}},
	}
	saved, err := s.SetMerch(m)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 1 || saved.UpdatedAt.IsZero() {
		t.Errorf("saved version %d at %v; want version 1 and a time", saved.Version, saved.UpdatedAt)
	}
	tests := []struct {
		name, q    string
		first      string // "" for no check
		firstMatch string
		absent     string
	}{
		{name: "deny exact", q: "手机", absent: "手机膜"},
		{name: "deny exact, by pinyin", q: "shoujim", absent: "手机膜"},
		{name: "deny exact, traditional input", q: "手機", absent: "手机膜"},
		{name: "deny contains", q: "苹果", absent: "苹果吃鸡神器"},
		{name: "pin", q: "手机", first: "华为手机", firstMatch: MatchPinned},
		{name: "pin, input normalised", q: " 手機 ", first: "华为手机", firstMatch: MatchPinned},
		{name: "pin on pinyin input", q: "shouji", first: "华为手机", firstMatch: MatchPinned},
		{name: "no pin for a longer input", q: "手机壳", first: "手机壳", firstMatch: MatchPrefix},
	}
	for _, tc := range tests {
		r := mustSuggest(t, s, Request{Q: tc.q})
		if _, ok := find(r, tc.absent); tc.absent != "" && ok {
			t.Errorf("%s: %q gives %s; want no %s", tc.name, tc.q, join(texts(r)), tc.absent)
		}
		if tc.first != "" && (len(r.Suggestions) == 0 || r.Suggestions[0].Text != tc.first || r.Suggestions[0].Match != tc.firstMatch) {
			t.Errorf("%s: %q gives %+v; want %s (%s) first", tc.name, tc.q, r.Suggestions, tc.first, tc.firstMatch)
		}
		if n := strings.Count(join(texts(r)), tc.first); tc.first != "" && n > 1 {
			t.Errorf("%s: %q gives %s; want %s once", tc.name, tc.q, join(texts(r)), tc.first)
		}
	}
	h := s.Hot()
	if h.Hint != "年货节 手机壳" || len(h.Hot) != 5 || !slices.Equal(h.Hot[:2], []string{"年货节", "蓝牙耳机"}) {
		t.Errorf("hot = %+v; want the pins first, 5 in all, and the hint", h)
	}
	if slices.Contains(h.Hot, "手机膜") {
		t.Errorf("hot = %v; want no denied text", h.Hot)
	}

	// Saved atomically in the data dir, nothing else left there; a new
	// Suggester reads it back.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != ConfigFile {
		t.Errorf("data dir holds %v; want only %s", entries, ConfigFile)
	}
	s2, err := New(Config{DataDir: dir}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	got := s2.Merch()
	if got.Hint != m.Hint || !slices.Equal(got.Deny, m.Deny) || !slices.Equal(got.Pins, m.Pins) || got.Version != 1 {
		t.Errorf("reloaded %+v; want %+v", got, saved)
	}
	if again, err := s2.SetMerch(got); err != nil || again.Version != 2 {
		t.Errorf("second save: version %d, %v; want 2", again.Version, err)
	}
}

func TestMerchValidation(t *testing.T) {
	long := strings.Repeat("长", 51)
	tests := []struct {
		name string
		m    Merch
	}{
		{"empty deny entry", Merch{Deny: []string{"手机", " "}}},
		{"long hint", Merch{Hint: long}},
		{"long allow", Merch{Allow: []string{long}}},
		{"control character", Merch{HotPins: []string{"a\x01b"}}},
		{"invalid UTF-8", Merch{DenyContains: []string{"\xff"}}},
		{"pin without text", Merch{Pins: []Pin{{Input: "手机"}}}},
		{"too many", Merch{Deny: make([]string, maxMerchEntries+1)}},
	}
	for _, tc := range tests {
		s, err := New(Config{DataDir: t.TempDir()}, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.SetMerch(tc.m)
		var me *models.Error
		if !errors.As(err, &me) || me.Code != models.EINVALID {
			t.Errorf("%s: err = %v; want an invalid error", tc.name, err)
		}
		if s.Merch().Version != 0 {
			t.Errorf("%s: the invalid configuration was applied", tc.name)
		}
	}
	// Texts are trimmed; lists show as [] rather than null.
	s, _ := New(Config{}, Deps{})
	got, err := s.SetMerch(Merch{Hint: "  底纹 ", Deny: []string{" 手机膜 "}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if got.Hint != "底纹" || got.Deny[0] != "手机膜" || !strings.Contains(string(b), `"allow":[]`) {
		t.Errorf("saved %s; want trimmed texts and [] lists", b)
	}
}

func TestMerchCorruptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{DataDir: dir}, Deps{}); err == nil {
		t.Error("New with a corrupt config succeeded; want an error")
	}
}
