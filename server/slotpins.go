package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/recall"
)

// Slot pins: merchandisers put items at positions of recommendation slots
// — a launch on the home slot's first position for a week, a bundle in the
// cart slot of one region. The pins are one versioned document in the
// settings of the profiles' store (DATA/state.db or the Redis replicas
// share), every version kept for the history:
//
//	GET /api/admin/slot-pins            the current document
//	PUT /api/admin/slot-pins            {"pins":[…],"author":"","note":"","version":N}: replace it
//	GET /api/admin/slot-pins/history    the newest versions first
//
// A PUT naming the version it edits fails with 409 when another was saved
// since. Serving applies, for each position of a slot, the first pin in
// document order whose scene, regions and validity window match; the rerank
// still drops a pinned item that is out of stock, undeliverable, bought or
// in the cart (rank.RerankRequest.Pins).

// SlotPin puts ItemID at Position of the slots of Scene.
type SlotPin struct {
	Scene    string   `json:"scene"`
	Position int      `json:"position"` // 1-based
	ItemID   string   `json:"item_id"`
	Regions  []string `json:"regions,omitempty"` // the shopper's region codes; none: everywhere
	// From and Until bound when the pin applies (either may be absent).
	From  *time.Time `json:"from,omitempty"`
	Until *time.Time `json:"until,omitempty"`
}

// SlotPinsDoc is one version of the slot pins.
type SlotPinsDoc struct {
	Version int       `json:"version"` // 0: nothing saved yet
	Author  string    `json:"author,omitempty"`
	Note    string    `json:"note,omitempty"`
	Saved   time.Time `json:"saved,omitzero"`
	Pins    []SlotPin `json:"pins"`
}

// SlotPinStore keeps the documents: the settings of the profiles' store
// (store.Embedded, store.Redis).
type SlotPinStore interface {
	PutSetting(key string, data []byte) error
	Setting(key string) ([]byte, error) // nil when never stored
}

// Limits of slot pins.
const (
	slotPinsKey        = "slot_pins" // the current version; slotPinsKey@N each version
	maxSlotPins        = 200
	maxSlotPinRegions  = 50
	maxSlotPinHistory  = 20 // versions GET …/history returns
	maxSlotPinTextRune = 200
)

// SlotPins serves the slot pins from memory and saves them to the store;
// safe for concurrent use.
type SlotPins struct {
	st  SlotPinStore
	mu  sync.Mutex // serialises Put and Reload
	cur atomic.Pointer[SlotPinsDoc]
}

// NewSlotPins loads the current pins from st.
func NewSlotPins(st SlotPinStore) (*SlotPins, error) {
	p := &SlotPins{st: st}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload re-reads the current document, for a replica to pick up what
// another saved.
func (p *SlotPins) Reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	doc, err := p.read(slotPinsKey)
	if err != nil {
		return err
	}
	p.cur.Store(&doc)
	return nil
}

func (p *SlotPins) read(key string) (SlotPinsDoc, error) {
	data, err := p.st.Setting(key)
	if err != nil {
		return SlotPinsDoc{}, fmt.Errorf("slot pins: %w", err)
	}
	doc := SlotPinsDoc{Pins: []SlotPin{}}
	if data == nil {
		return doc, nil
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return SlotPinsDoc{}, fmt.Errorf("slot pins: stored %s: %w", key, err)
	}
	return doc, nil
}

// Current returns the current document.
func (p *SlotPins) Current() SlotPinsDoc { return *p.cur.Load() }

// History returns up to maxSlotPinHistory versions, the newest first.
func (p *SlotPins) History() ([]SlotPinsDoc, error) {
	cur := p.Current()
	out := []SlotPinsDoc{}
	for v := cur.Version; v >= 1 && len(out) < maxSlotPinHistory; v-- {
		doc, err := p.read(slotPinsKey + "@" + strconv.Itoa(v))
		if err != nil {
			return nil, err
		}
		if doc.Version == v {
			out = append(out, doc)
		}
	}
	return out, nil
}

// Put validates pins and saves them as the next version. base ≥ 0 is the
// version the edit started from: another saved since is a conflict. known
// reports whether an item exists.
func (p *SlotPins) Put(pins []SlotPin, base int, author, note string, known func(id string) bool, now time.Time) (SlotPinsDoc, error) {
	if err := validSlotPins(pins, known); err != nil {
		return SlotPinsDoc{}, err
	}
	if len([]rune(author)) > maxSlotPinTextRune || len([]rune(note)) > maxSlotPinTextRune {
		return SlotPinsDoc{}, models.Errorf(models.EINVALID, "author and note: at most %d characters", maxSlotPinTextRune)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	stored, err := p.read(slotPinsKey) // the store's, which another replica may have moved on
	if err != nil {
		return SlotPinsDoc{}, err
	}
	if base >= 0 && base != stored.Version {
		return SlotPinsDoc{}, models.Errorf(models.ECONFLICT, "version: the edit started from version %d, but version %d has been saved since; reload and edit that", base, stored.Version)
	}
	doc := SlotPinsDoc{Version: stored.Version + 1, Author: author, Note: note, Saved: now.UTC(), Pins: slices.Clone(pins)}
	if doc.Pins == nil {
		doc.Pins = []SlotPin{}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return SlotPinsDoc{}, fmt.Errorf("slot pins: %w", err)
	}
	if err := p.st.PutSetting(slotPinsKey+"@"+strconv.Itoa(doc.Version), data); err != nil {
		return SlotPinsDoc{}, fmt.Errorf("slot pins: %w", err)
	}
	if err := p.st.PutSetting(slotPinsKey, data); err != nil {
		return SlotPinsDoc{}, fmt.Errorf("slot pins: %w", err)
	}
	p.cur.Store(&doc)
	return doc, nil
}

// For returns the pins of a slot of scene for a shopper in region at now,
// by position.
func (p *SlotPins) For(scene, region string, now time.Time) map[int]string {
	var out map[int]string
	for _, pin := range p.cur.Load().Pins {
		if pin.Scene != scene || len(pin.Regions) > 0 && !slices.Contains(pin.Regions, region) ||
			pin.From != nil && now.Before(*pin.From) || pin.Until != nil && !now.Before(*pin.Until) {
			continue
		}
		if _, taken := out[pin.Position]; taken {
			continue
		}
		if out == nil {
			out = map[int]string{}
		}
		out[pin.Position] = pin.ItemID
	}
	return out
}

func validSlotPins(pins []SlotPin, known func(string) bool) error {
	if len(pins) > maxSlotPins {
		return models.Errorf(models.EINVALID, "pins: %d; the limit is %d", len(pins), maxSlotPins)
	}
	for i, pin := range pins {
		switch {
		case !slices.Contains(recall.Scenes, pin.Scene):
			return models.Errorf(models.EINVALID, "pins[%d].scene: want one of %v, got %q", i, recall.Scenes, clip(pin.Scene))
		case pin.Position < 1 || pin.Position > maxRecN:
			return models.Errorf(models.EINVALID, "pins[%d].position: want 1 to %d, got %d", i, maxRecN, pin.Position)
		case pin.ItemID == "" || len(pin.ItemID) > maxRecIDBytes:
			return models.Errorf(models.EINVALID, "pins[%d].item_id: want 1 to %d bytes", i, maxRecIDBytes)
		case known != nil && !known(pin.ItemID):
			return models.Errorf(models.EINVALID, "pins[%d].item_id: no item %q", i, clip(pin.ItemID))
		case len(pin.Regions) > maxSlotPinRegions:
			return models.Errorf(models.EINVALID, "pins[%d].regions: at most %d", i, maxSlotPinRegions)
		case pin.From != nil && pin.Until != nil && !pin.From.Before(*pin.Until):
			return models.Errorf(models.EINVALID, "pins[%d]: from must be before until", i)
		}
		for _, r := range pin.Regions {
			if r == "" || len(r) > maxRegionBytes {
				return models.Errorf(models.EINVALID, "pins[%d].regions: a region code is 1 to %d bytes", i, maxRegionBytes)
			}
		}
	}
	return nil
}

// slotPinsBody is the body of PUT /api/admin/slot-pins.
type slotPinsBody struct {
	Pins    []SlotPin `json:"pins"`
	Author  string    `json:"author"`
	Note    string    `json:"note"`
	Version *int      `json:"version"` // the version edited; absent: no check
}

func (h *recommendAPI) getSlotPins(c *gin.Context) {
	h.s.respond(c, http.StatusOK, h.d.Pins.Current())
}

func (h *recommendAPI) slotPinsHistory(c *gin.Context) {
	hist, err := h.d.Pins.History()
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"versions": hist})
}

func (h *recommendAPI) putSlotPins(c *gin.Context) {
	var b slotPinsBody
	if err := decodeBody(c, &b); err != nil {
		h.s.fail(c, err)
		return
	}
	base := -1
	if b.Version != nil {
		base = *b.Version
	}
	store := h.s.engine.Store()
	known := func(id string) bool { _, ok := store.Get(id); return ok }
	doc, err := h.d.Pins.Put(b.Pins, base, b.Author, b.Note, known, h.s.cfg.Now())
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.settingSaved(c.Request.Context(), slotPinsKey) // the other replicas reload at once (replicate.go)
	h.s.respond(c, http.StatusOK, doc)
}
