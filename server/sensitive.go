package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/rank"
)

// Sensitive categories (rank.SensitivePolicy): the classes of products
// recommendation slots leave out — drugs, adult products, contraception,
// tobacco, alcohol by region, medical devices. Merchandisers edit them in
// the console; like the slot pins they are one versioned document in the
// settings of the profiles' store, every version kept:
//
//	GET /api/admin/sensitive            the current document (the defaults until one is saved)
//	PUT /api/admin/sensitive            {"policy":{…},"author":"","note":"","version":N}
//	GET /api/admin/sensitive/history    the newest versions first
//	GET /api/admin/sensitive/matches    per class, how many catalog items it classes and a few of them
//
// A PUT naming the version it edits fails with 409 when another was saved
// since. Search never reads the list.

// SensitiveDoc is one version of the sensitive-category policy.
type SensitiveDoc struct {
	Version int                  `json:"version"` // 0: the defaults, nothing saved yet
	Author  string               `json:"author,omitempty"`
	Note    string               `json:"note,omitempty"`
	Saved   time.Time            `json:"saved,omitzero"`
	Policy  rank.SensitivePolicy `json:"policy"`
}

const sensitiveKey = "sensitive_categories" // the current version; sensitiveKey@N each version

// SensitiveList serves the policy from memory and saves it to the store;
// safe for concurrent use. A nil store keeps the defaults, read-only.
type SensitiveList struct {
	st  SlotPinStore
	mu  sync.Mutex // serialises Put and Reload
	cur atomic.Pointer[sensitiveState]
}

type sensitiveState struct {
	doc SensitiveDoc
	s   *rank.Sensitive
}

// NewSensitiveList loads the current policy from st (nil: the defaults).
func NewSensitiveList(st SlotPinStore) (*SensitiveList, error) {
	l := &SensitiveList{st: st}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload re-reads the current document, for a replica to pick up what
// another saved.
func (l *SensitiveList) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	doc, err := l.read(sensitiveKey)
	if err != nil {
		return err
	}
	s, err := rank.CompileSensitive(doc.Policy)
	if err != nil {
		return fmt.Errorf("sensitive categories: stored %s: %w", sensitiveKey, err)
	}
	l.cur.Store(&sensitiveState{doc: doc, s: s})
	return nil
}

func (l *SensitiveList) read(key string) (SensitiveDoc, error) {
	doc := SensitiveDoc{Policy: rank.DefaultSensitivePolicy()}
	if l.st == nil {
		return doc, nil
	}
	data, err := l.st.Setting(key)
	if err != nil {
		return SensitiveDoc{}, fmt.Errorf("sensitive categories: %w", err)
	}
	if data == nil {
		return doc, nil
	}
	doc = SensitiveDoc{}
	if err := json.Unmarshal(data, &doc); err != nil {
		return SensitiveDoc{}, fmt.Errorf("sensitive categories: stored %s: %w", key, err)
	}
	return doc, nil
}

// Current returns the current document.
func (l *SensitiveList) Current() SensitiveDoc { return l.cur.Load().doc }

// Classes returns the compiled current policy.
func (l *SensitiveList) Classes() *rank.Sensitive { return l.cur.Load().s }

// History returns up to maxSlotPinHistory saved versions, the newest first.
func (l *SensitiveList) History() ([]SensitiveDoc, error) {
	out := []SensitiveDoc{}
	for v := l.Current().Version; v >= 1 && len(out) < maxSlotPinHistory; v-- {
		doc, err := l.read(sensitiveKey + "@" + strconv.Itoa(v))
		if err != nil {
			return nil, err
		}
		if doc.Version == v {
			out = append(out, doc)
		}
	}
	return out, nil
}

// Put validates p and saves it as the next version; base ≥ 0 is the
// version the edit started from (another saved since is a conflict).
func (l *SensitiveList) Put(p rank.SensitivePolicy, base int, author, note string, now time.Time) (SensitiveDoc, error) {
	if l.st == nil {
		return SensitiveDoc{}, models.Errorf(models.EUNAVAILABLE, "sensitive categories: no settings store to save them in")
	}
	s, err := rank.CompileSensitive(p)
	if err != nil {
		return SensitiveDoc{}, err
	}
	if utf8.RuneCountInString(author) > maxSlotPinTextRune || utf8.RuneCountInString(note) > maxSlotPinTextRune {
		return SensitiveDoc{}, models.Errorf(models.EINVALID, "author and note: at most %d characters", maxSlotPinTextRune)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	stored, err := l.read(sensitiveKey)
	if err != nil {
		return SensitiveDoc{}, err
	}
	if base >= 0 && base != stored.Version {
		return SensitiveDoc{}, models.Errorf(models.ECONFLICT, "version: the edit started from version %d, but version %d has been saved since; reload and edit that", base, stored.Version)
	}
	if p.Classes == nil {
		p.Classes = []rank.SensitiveClass{}
	}
	if p.Scenes == nil {
		p.Scenes = []string{}
	}
	doc := SensitiveDoc{Version: stored.Version + 1, Author: author, Note: note, Saved: now.UTC(), Policy: p}
	data, err := json.Marshal(doc)
	if err != nil {
		return SensitiveDoc{}, fmt.Errorf("sensitive categories: %w", err)
	}
	if err := l.st.PutSetting(sensitiveKey+"@"+strconv.Itoa(doc.Version), data); err != nil {
		return SensitiveDoc{}, fmt.Errorf("sensitive categories: %w", err)
	}
	if err := l.st.PutSetting(sensitiveKey, data); err != nil {
		return SensitiveDoc{}, fmt.Errorf("sensitive categories: %w", err)
	}
	l.cur.Store(&sensitiveState{doc: doc, s: s})
	return doc, nil
}

// sensitiveBody is the body of PUT /api/admin/sensitive.
type sensitiveBody struct {
	Policy  rank.SensitivePolicy `json:"policy"`
	Author  string               `json:"author"`
	Note    string               `json:"note"`
	Version *int                 `json:"version"`
}

func (h *recommendAPI) getSensitive(c *gin.Context) {
	h.s.respond(c, http.StatusOK, h.d.Sensitive.Current())
}

func (h *recommendAPI) sensitiveHistory(c *gin.Context) {
	hist, err := h.d.Sensitive.History()
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"versions": hist})
}

func (h *recommendAPI) putSensitive(c *gin.Context) {
	var b sensitiveBody
	if err := decodeBody(c, &b); err != nil {
		h.s.fail(c, err)
		return
	}
	base := -1
	if b.Version != nil {
		base = *b.Version
	}
	doc, err := h.d.Sensitive.Put(b.Policy, base, b.Author, b.Note, h.s.cfg.Now())
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.settingSaved(c.Request.Context(), sensitiveKey) // the other replicas reload at once (replicate.go)
	h.s.respond(c, http.StatusOK, doc)
}

// SensitiveMatch is how many catalog items a class classes, with a few.
type SensitiveMatch struct {
	Class   string    `json:"class"`
	Enabled bool      `json:"enabled"`
	Count   int       `json:"count"`
	Items   []RecItem `json:"items"` // the first sensitiveSamples, catalog order
}

const sensitiveSamples = 5

// sensitiveMatches serves GET /api/admin/sensitive/matches: one scan of the
// catalog (about a second at a million items), for merchandisers to see
// what the list catches.
func (h *recommendAPI) sensitiveMatches(c *gin.Context) {
	s := h.d.Sensitive.Classes()
	pol := s.Policy()
	by := map[string]*SensitiveMatch{}
	out := make([]*SensitiveMatch, len(pol.Classes))
	for i, cl := range pol.Classes {
		out[i] = &SensitiveMatch{Class: cl.Name, Enabled: cl.Enabled, Items: []RecItem{}}
		by[cl.Name] = out[i]
	}
	h.s.engine.Store().Scan(func(p *models.Product) error {
		if m := by[s.Class(p)]; m != nil {
			m.Count++
			if len(m.Items) < sensitiveSamples {
				m.Items = append(m.Items, recItem(rank.RecItem{Product: *p}))
			}
		}
		return nil
	})
	h.s.respond(c, http.StatusOK, gin.H{"classes": out})
}
