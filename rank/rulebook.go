package rank

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
)

// RuleStore is where the Rulebook keeps the rules (store.Embedded
// implements it; see package store).
type RuleStore interface {
	PutRule(id string, data []byte) error
	DeleteRule(id string) error // an absent id is not an error
	Rules(fn func(id string, data []byte) error) error
}

// RulebookConfig says how rules match searches. The engine's, which
// matches them as it analyses queries, is query.RulebookConfig.
type RulebookConfig struct {
	// Normalize maps a query to the form an exact rule compares.
	Normalize func(string) string
	// Terms maps a query to the terms a contains rule compares.
	Terms    func(string) []string
	MaxRules int
	// MaxDraft caps the draft rules of one preview.
	MaxDraft int
}

// DefaultRulebookConfig returns the defaults: lower-cased words separated
// by single spaces, and those words as the terms.
func DefaultRulebookConfig() RulebookConfig {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
	return RulebookConfig{
		Normalize: norm,
		Terms:     func(s string) []string { return strings.Fields(norm(s)) },
		MaxRules:  10_000,
		MaxDraft:  100,
	}
}

// Rulebook manages the merchandiser rules: kept in the store, matched from
// an immutable in-memory index that every change replaces atomically, so a
// change applies to the next search.
type Rulebook struct {
	st  RuleStore
	cfg RulebookConfig
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[RuleSet]
}

// RuleSet is an immutable, indexed set of rules: the published ones, or
// those with a preview's drafts.
type RuleSet struct {
	byID     map[string]*ruleEntry
	exact    map[string][]*ruleEntry // by normalised query
	contains map[string][]*ruleEntry // by the first of the rule's terms
	category map[string][]*ruleEntry // by category path
}

type ruleEntry struct {
	rule  models.Rule
	norm  string   // normalised query
	terms []string // of a contains rule
}

// NewRulebook loads the rules from st; cfg's zero fields take their defaults.
func NewRulebook(st RuleStore, cfg RulebookConfig) (*Rulebook, error) {
	def := DefaultRulebookConfig()
	if cfg.Normalize == nil {
		cfg.Normalize = def.Normalize
	}
	if cfg.Terms == nil {
		cfg.Terms = def.Terms
	}
	if cfg.MaxRules <= 0 {
		cfg.MaxRules = def.MaxRules
	}
	if cfg.MaxDraft <= 0 {
		cfg.MaxDraft = def.MaxDraft
	}
	rb := &Rulebook{st: st, cfg: cfg}
	if err := rb.Reload(); err != nil {
		return nil, err
	}
	return rb, nil
}

// Reload re-reads the store, for a replica to pick up what another one saved.
func (rb *Rulebook) Reload() error {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	var entries []*ruleEntry
	err := rb.st.Rules(func(id string, data []byte) error {
		var r models.Rule
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("rule %q: %w", id, err)
		}
		r.ID = id
		entries = append(entries, rb.entry(r))
		return nil
	})
	if err != nil {
		return fmt.Errorf("load rules: %w", err)
	}
	rb.cur.Store(newRuleSet(entries))
	return nil
}

func (rb *Rulebook) entry(r models.Rule) *ruleEntry {
	e := &ruleEntry{rule: r}
	if r.Query != "" {
		e.norm = rb.cfg.Normalize(r.Query)
		if r.Match == "contains" {
			e.terms = rb.cfg.Terms(r.Query)
		}
	}
	return e
}

func newRuleSet(entries []*ruleEntry) *RuleSet {
	rs := &RuleSet{byID: make(map[string]*ruleEntry, len(entries)), exact: map[string][]*ruleEntry{},
		contains: map[string][]*ruleEntry{}, category: map[string][]*ruleEntry{}}
	for _, e := range entries {
		rs.byID[e.rule.ID] = e
		switch {
		case e.rule.Category != "":
			rs.category[e.rule.Category] = append(rs.category[e.rule.Category], e)
		case e.rule.Match == "contains":
			if len(e.terms) > 0 {
				rs.contains[e.terms[0]] = append(rs.contains[e.terms[0]], e)
			}
		default:
			rs.exact[e.norm] = append(rs.exact[e.norm], e)
		}
	}
	return rs
}

// Current is the published rules.
func (rb *Rulebook) Current() *RuleSet { return rb.cur.Load() }

// For returns the published rules of a search; see RuleSet.For.
func (rb *Rulebook) For(queryNorm string, queryTerms []string, category string) []models.Rule {
	return rb.cur.Load().For(queryNorm, queryTerms, category)
}

// For returns the rules of a search, by id, whatever their validity windows
// (Store.Rank checks those):
//
//   - with query text: the exact rules whose normalised query equals
//     queryNorm, and the contains rules every one of whose terms is among
//     queryTerms (the analyzer's leaves: a contains rule for 手机 matches
//     华为 5G手机 and 苹果手机, not 手机壳, a word of its own);
//   - without: the category rules whose category is the browsed category
//     or one of its ancestors (a rule for 数码>手机 applies on
//     数码>手机>智能手机, not on 数码).
func (rs *RuleSet) For(queryNorm string, queryTerms []string, category string) []models.Rule {
	var found []*ruleEntry
	if queryNorm != "" {
		found = append(found, rs.exact[queryNorm]...)
		have := make(map[string]bool, len(queryTerms))
		for _, t := range queryTerms {
			have[t] = true
		}
		for t := range have {
			for _, e := range rs.contains[t] {
				if !slices.ContainsFunc(e.terms, func(t string) bool { return !have[t] }) {
					found = append(found, e)
				}
			}
		}
	} else {
		for _, pre := range models.Category(category).Normalize().Prefixes() {
			found = append(found, rs.category[string(pre)]...)
		}
	}
	slices.SortFunc(found, func(a, b *ruleEntry) int { return cmp.Compare(a.rule.ID, b.rule.ID) })
	out := make([]models.Rule, len(found))
	for i, e := range found {
		out[i] = e.rule
	}
	return out
}

// List returns every rule, by id.
func (rs *RuleSet) List() []models.Rule {
	out := make([]models.Rule, 0, len(rs.byID))
	for _, e := range rs.byID {
		out = append(out, e.rule)
	}
	slices.SortFunc(out, func(a, b models.Rule) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Get returns the rule with id.
func (rs *RuleSet) Get(id string) (models.Rule, bool) {
	e, ok := rs.byID[id]
	if !ok {
		return models.Rule{}, false
	}
	return e.rule, true
}

// List returns every published rule, by id.
func (rb *Rulebook) List() []models.Rule { return rb.cur.Load().List() }

// Get returns the published rule with id.
func (rb *Rulebook) Get(id string) (models.Rule, bool) { return rb.cur.Load().Get(id) }

// check validates a rule (ValidateRule) and that its query can match.
func (rb *Rulebook) check(r *models.Rule) error {
	if err := ValidateRule(r); err != nil {
		return err
	}
	if r.Query != "" && rb.cfg.Normalize(r.Query) == "" {
		return invalidf("query %q is empty once normalised", models.Clip(r.Query))
	}
	if r.Match == "contains" && len(rb.cfg.Terms(r.Query)) == 0 {
		return invalidf("query %q has no searchable word for a contains rule to look for", models.Clip(r.Query))
	}
	return nil
}

// Put validates the rule and saves it by author, replacing the rule with
// its id; an empty id is assigned ("r-" and 16 hex digits). The rule
// applies to the next search.
func (rb *Rulebook) Put(r models.Rule, author string) (models.Rule, error) {
	if err := rb.check(&r); err != nil {
		return models.Rule{}, err
	}
	author, note, err := validAuthor(author, r.Note)
	if err != nil {
		return models.Rule{}, err
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	cur := rb.cur.Load()
	for r.ID == "" {
		r.ID = "r-" + randomHex(8)
		if _, taken := cur.byID[r.ID]; taken {
			r.ID = ""
		}
	}
	if _, ok := cur.byID[r.ID]; !ok && len(cur.byID) >= rb.cfg.MaxRules {
		return models.Rule{}, models.Errorf(models.ETOOLARGE, "there are %d rules already, the most allowed", rb.cfg.MaxRules)
	}
	r.Author, r.Note, r.UpdatedAt = author, note, time.Now().UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(&r)
	if err != nil {
		return models.Rule{}, fmt.Errorf("encode rule %q: %w", r.ID, err)
	}
	if err := rb.st.PutRule(r.ID, data); err != nil {
		return models.Rule{}, fmt.Errorf("save rule %q: %w", r.ID, err)
	}
	next := maps.Clone(cur.byID)
	next[r.ID] = rb.entry(r)
	rb.cur.Store(newRuleSet(slices.Collect(maps.Values(next))))
	return r, nil
}

// Delete removes the rule with id.
func (rb *Rulebook) Delete(id string) error {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	cur := rb.cur.Load()
	if _, ok := cur.byID[id]; !ok {
		return models.Errorf(models.ENOTFOUND, "no rule %q", models.Clip(id))
	}
	if err := rb.st.DeleteRule(id); err != nil {
		return fmt.Errorf("delete rule %q: %w", id, err)
	}
	next := maps.Clone(cur.byID)
	delete(next, id)
	rb.cur.Store(newRuleSet(slices.Collect(maps.Values(next))))
	return nil
}

// Draft returns the published rules with drafts added — a draft with the
// id of a published rule replaces it; one without an id gets "draft-N" —
// for a preview. Nothing is saved.
func (rb *Rulebook) Draft(drafts []models.Rule) (*RuleSet, error) {
	if len(drafts) > rb.cfg.MaxDraft {
		return nil, models.Errorf(models.ETOOLARGE, "%d draft rules; the limit is %d", len(drafts), rb.cfg.MaxDraft)
	}
	next := maps.Clone(rb.cur.Load().byID)
	for i, r := range drafts {
		if err := rb.check(&r); err != nil {
			return nil, fmt.Errorf("draft rule %d: %w", i+1, err)
		}
		if r.ID == "" {
			r.ID = fmt.Sprintf("draft-%d", i+1)
		}
		next[r.ID] = rb.entry(r)
	}
	return newRuleSet(slices.Collect(maps.Values(next))), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}
