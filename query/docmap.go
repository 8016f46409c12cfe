package query

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/rank"
)

// docMap turns Bleve document numbers into the store's ordinals. A
// document number is global to one snapshot of the index: a segment's
// offset plus the document's number inside the segment. Segments are
// immutable and keep their id from snapshot to snapshot, so each gets a
// table, local number → ordinal + 1, built once in the background from the
// segment's stored ids; until a segment has one (it is new, or just merged)
// its hits are resolved one by one as Bleve would, reading the stored id.
//
// The segments come from scorch's exported IndexSnapshot.Segments and
// their offsets are summed from the segments' counts (segments). A build
// that fails leaves the tables as they were and keeps its error (err);
// the hits it would have covered take the slow path, which is correct,
// only slower, and the next search that meets them starts another build.
type docMap struct {
	idx   bleve.Index
	store *rank.Store

	tables   atomic.Pointer[map[uint64][]uint32] // segment id → local number → ord+1 (0: look the id up)
	building atomic.Bool
	closed   atomic.Bool
	lastErr  atomic.Pointer[error] // the last build's error; nil after a build that succeeded
	mu       sync.Mutex            // orders starting a build against close
	wg       sync.WaitGroup
}

func newDocMap(idx bleve.Index, store *rank.Store) *docMap {
	m := &docMap{idx: idx, store: store}
	m.tables.Store(&map[uint64][]uint32{})
	m.refresh()
	return m
}

// close waits for a table build in progress; later searches take the slow
// path.
func (m *docMap) close() {
	m.mu.Lock()
	m.closed.Store(true)
	m.mu.Unlock()
	m.wg.Wait()
}

// segments returns the segments of the scorch snapshot r and the offset
// of each, the document number of its first document, or false when r is
// not a scorch snapshot. Bleve exports the segments but not the offsets,
// which are the running sum of the segments' full document counts
// (deleted documents included), as scorch's introducer and persister lay
// them out (TestSegmentOffsets checks them against Bleve's own InternalID).
// The reader must stay open while they are used.
func segments(r index.IndexReader) ([]*scorch.SegmentSnapshot, []uint64, bool) {
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, nil, false
	}
	segs := is.Segments()
	offs := make([]uint64, len(segs))
	var running uint64
	for i, s := range segs {
		offs[i] = running
		running += s.Segment().Count()
	}
	return segs, offs, true
}

// resolve turns hits of reader r into candidates with their ordinals
// (Ref), in the hits' order; hits of documents the store does not have
// are dropped. The candidates carry no ids: phase 2 goes by Ref, and
// Store.FillIDs gives them where one is needed.
func (m *docMap) resolve(r index.IndexReader, hits []hit, tier uint8) ([]rank.Candidate, error) {
	refs, err := m.refs(r, hits)
	if err != nil {
		return nil, err
	}
	out := make([]rank.Candidate, 0, len(hits))
	for i, h := range hits {
		if refs[i] != 0 {
			out = append(out, rank.Candidate{Score: h.score, Tier: tier, Ref: refs[i]})
		}
	}
	return out, nil
}

// refs returns the ordinal + 1 of each hit of reader r, 0 for documents
// the store does not have.
func (m *docMap) refs(r index.IndexReader, hits []hit) ([]uint32, error) {
	refs := make([]uint32, len(hits))
	segs, offs, ok := segments(r)
	tables := *m.tables.Load()
	var slow []string // the stored ids of the hits without a table entry, in order
	missing := false
	// Hits mostly come in document order: the last hit's segment and its
	// table are tried first.
	seg := -1
	var t []uint32
	for j, h := range hits {
		if !ok {
			break
		}
		if seg < 0 || offs[seg] > h.doc || (seg+1 < len(offs) && offs[seg+1] <= h.doc) {
			seg = sort.Search(len(offs), func(i int) bool { return offs[i] > h.doc }) - 1
			if seg < 0 {
				continue
			}
			var have bool
			t, have = tables[segs[seg].Id()]
			missing = missing || !have
		}
		if local := h.doc - offs[seg]; local < uint64(len(t)) {
			refs[j] = t[local]
		}
	}
	for j, h := range hits {
		if refs[j] == 0 { // read the id as Bleve does; its ordinal below
			id, err := r.ExternalID(index.NewIndexInternalID(nil, h.doc))
			if err != nil {
				return nil, err
			}
			slow = append(slow, id)
		}
	}
	if missing {
		m.refresh()
	}
	if len(slow) == 0 {
		return refs, nil
	}
	found := make([]uint32, len(slow))
	m.store.Refs(slow, found)
	k := 0
	for j := range refs {
		if refs[j] == 0 {
			refs[j] = found[k]
			k++
		}
	}
	return refs, nil
}

// refresh starts building the tables of the current snapshot's segments
// that have none, unless a build is running; tables of segments no longer
// in the snapshot are dropped.
func (m *docMap) refresh() {
	if m.closed.Load() || !m.building.CompareAndSwap(false, true) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed.Load() {
		m.building.Store(false)
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.building.Store(false)
		if err := m.build(); err != nil {
			m.lastErr.Store(&err)
		} else {
			m.lastErr.Store(nil)
		}
	}()
}

// err returns the error of the last table build, nil if it succeeded.
func (m *docMap) err() error {
	if p := m.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// errNotScorch: the index is not a scorch index, so its hits have no
// segments to tabulate; every hit takes the slow path.
var errNotScorch = errors.New("docmap: the index reader is not a scorch snapshot")

// tableChunk is how many stored ids a build looks up in the store at once.
const tableChunk = 4096

// build makes the tables of the current snapshot's segments that have
// none and publishes them with those of the segments that stay. A build
// stopped by close returns nil and publishes nothing.
func (m *docMap) build() (err error) {
	adv, err := m.idx.Advanced()
	if err != nil {
		return fmt.Errorf("docmap: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("docmap: open a reader: %w", err)
	}
	defer func() {
		if cerr := r.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("docmap: close the reader: %w", cerr)
		}
	}()
	segs, _, ok := segments(r)
	if !ok {
		return errNotScorch
	}
	old := *m.tables.Load()
	next := make(map[uint64][]uint32, len(segs))
	ids := make([]string, 0, tableChunk)
	for _, s := range segs {
		if t, ok := old[s.Id()]; ok {
			next[s.Id()] = t
			continue
		}
		n := s.Segment().Count()
		t := make([]uint32, n)
		for start := uint64(0); start < n; start += tableChunk {
			if m.closed.Load() {
				return nil
			}
			ids = ids[:0]
			for d := start; d < min(start+tableChunk, n); d++ {
				id, err := s.DocID(d)
				if err != nil {
					return fmt.Errorf("docmap: segment %d, document %d: %w", s.Id(), d, err)
				}
				ids = append(ids, string(id))
			}
			m.store.Refs(ids, t[start:])
		}
		next[s.Id()] = t
	}
	m.tables.Store(&next)
	return nil
}
