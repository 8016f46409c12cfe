package suggest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/vellum"
)

// Key namespaces: the first byte of every FST key says what follows.
const (
	nsText     = 'T' // the normalised text
	nsPinyin   = 'P' // full pinyin, no separators
	nsInitials = 'I' // pinyin initials
)

// index is one immutable build: the FST of keys, the candidates they point
// to, and the best candidates of every prefix shared by too many keys to
// scan. Lookups read it without locks.
type index struct {
	fst       *vellum.FST
	cands     []candidate // best first: ids order by static score
	postings  []uint32    // candidate ids, best first within each key
	top       map[string][]uint32
	hot       []uint32 // hot searches, most searched first
	scanLimit int      // Config.ScanKeys
	stats     BuildStats
}

// BuildStats describes a build.
type BuildStats struct {
	Candidates int       `json:"candidates"`
	Keys       int       `json:"keys"`
	Prefixes   int       `json:"heavy_prefixes"` // prefixes answered from the table of best candidates
	FSTBytes   int       `json:"fst_bytes"`
	Logged     int       `json:"logged"` // logged queries considered
	TookMs     float64   `json:"took_ms"`
	BuiltAt    time.Time `json:"built_at"`
}

// FST values locate a key's candidates: offset into postings << valueShift | count.
const valueShift = 16

// buildIndex builds the index of cands (best first).
func buildIndex(cands []candidate, z *romanizer, cfg Config) (*index, error) {
	byKey := make(map[string][]uint32, len(cands)*3)
	add := func(ns byte, k string, id uint32) {
		key := string(ns) + k
		if ids := byKey[key]; len(ids) < cfg.PerKey {
			byKey[key] = append(ids, id)
		}
	}
	for i := range cands {
		id := uint32(i)
		k := cands[i].key
		add(nsText, k, id)
		full, ini, han := z.pinyinKeys(k)
		if !han || full == "" {
			continue // Latin text is its own pinyin
		}
		add(nsPinyin, full, id)
		if ini != full {
			add(nsInitials, ini, id)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	ix := &index{cands: cands, top: map[string][]uint32{}, scanLimit: cfg.ScanKeys}
	posts := make([][]uint32, len(keys))
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, fmt.Errorf("suggest: new FST builder: %w", err)
	}
	for i, k := range keys {
		ids := byKey[k]
		posts[i] = ids
		v := uint64(len(ix.postings))<<valueShift | uint64(len(ids))
		ix.postings = append(ix.postings, ids...)
		if err := b.Insert([]byte(k), v); err != nil {
			return nil, fmt.Errorf("suggest: insert FST key: %w", err)
		}
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("suggest: build FST: %w", err)
	}
	if ix.fst, err = vellum.Load(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("suggest: load FST: %w", err)
	}
	h := heavy{keys: keys, posts: posts, scan: cfg.ScanKeys, keep: cfg.PerKey, top: ix.top}
	h.best(0, len(keys), 0)
	ix.stats = BuildStats{Candidates: len(cands), Keys: len(keys), Prefixes: len(ix.top), FSTBytes: buf.Len()}
	return ix, nil
}

// heavy finds the prefixes shared by more than scan keys and records the
// best keep candidates of each, merging the lists of its children so that
// every key is read once.
type heavy struct {
	keys       []string
	posts      [][]uint32
	scan, keep int
	top        map[string][]uint32
}

// best returns the best candidates of keys[lo:hi], which share their first
// depth bytes, and records them when the range is too large to scan.
func (h *heavy) best(lo, hi, depth int) []uint32 {
	var ids []uint32
	if hi-lo <= h.scan {
		for _, p := range h.posts[lo:hi] {
			ids = append(ids, p...)
		}
		return h.trim(ids)
	}
	for i := lo; i < hi; {
		k := h.keys[i]
		if len(k) <= depth { // the prefix itself is a key; it sorts first
			ids = append(ids, h.posts[i]...)
			i++
			continue
		}
		j := i + 1
		for j < hi && h.keys[j][depth] == k[depth] {
			j++
		}
		ids = append(ids, h.best(i, j, depth+1)...)
		i = j
	}
	ids = h.trim(ids)
	if k := h.keys[lo]; depth > 0 && (len(k) == depth || utf8.RuneStart(k[depth])) {
		h.top[k[:depth]] = ids
	}
	return ids
}

// trim sorts ids (best first), drops duplicates and keeps the best keep.
func (h *heavy) trim(ids []uint32) []uint32 {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return slices.Clip(ids[:min(len(ids), h.keep)])
}

// errScan wraps a failed FST scan.
var errScan = errors.New("suggest: FST scan")

// visitor takes the candidate ids of one key, best first, and says whether
// to go on.
type visitor interface{ visit(ids []uint32) bool }

// scan calls v.visit with the candidate ids of every key that starts with
// prefix, key by key, visiting at most limit keys; a prefix in the table of
// heavy prefixes is one visit of its best candidates. it is reused.
// aut, when not nil, further restricts the keys (the fuzzy matcher); its
// scans are never answered from the table.
func (ix *index) scan(it *vellum.FSTIterator, prefix, end []byte, aut vellum.Automaton, limit int, v visitor) error {
	if aut == nil {
		if ids, ok := ix.top[string(prefix)]; ok {
			v.visit(ids)
			return nil
		}
	}
	err := it.Reset(ix.fst, prefix, end, aut)
	for n := 0; err == nil && n < limit; n++ {
		_, val := it.Current()
		off, cnt := val>>valueShift, val&(1<<valueShift-1)
		if !v.visit(ix.postings[off : off+cnt]) {
			return nil
		}
		err = it.Next()
	}
	if err != nil && !errors.Is(err, vellum.ErrIteratorDone) {
		return fmt.Errorf("%w: %w", errScan, err)
	}
	return nil
}

// lookup returns the candidate ids of exactly the text key k.
func (ix *index) lookup(k string) []uint32 {
	v, ok, err := ix.fst.Get([]byte(string(nsText) + k))
	if err != nil || !ok {
		return nil
	}
	off, cnt := v>>valueShift, v&(1<<valueShift-1)
	return ix.postings[off : off+cnt]
}
