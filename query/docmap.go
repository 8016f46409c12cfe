package query

import (
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

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
// Bleve keeps a snapshot's segments and offsets private; they are read
// here by field name, checked against the expected types once (the
// version of Bleve is pinned in go.mod, and TestSnapshotLayout fails if an
// upgrade renames them). Without them every hit takes the slow path,
// which is correct, only slower.
type docMap struct {
	idx   bleve.Index
	store *rank.Store

	tables   atomic.Pointer[map[uint64][]uint32] // segment id → local number → ord+1 (0: look the id up)
	building atomic.Bool
	closed   atomic.Bool
	mu       sync.Mutex // orders starting a build against close
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

// snapshotLayout is where the segments and offsets of a scorch snapshot
// are, or ok false.
var snapshotLayout = func() (l struct {
	segs, offs uintptr
	ok         bool
}) {
	t := reflect.TypeFor[scorch.IndexSnapshot]()
	sf, ok1 := t.FieldByName("segment")
	of, ok2 := t.FieldByName("offsets")
	if ok1 && ok2 && sf.Type == reflect.TypeFor[[]*scorch.SegmentSnapshot]() && of.Type == reflect.TypeFor[[]uint64]() {
		l.segs, l.offs, l.ok = sf.Offset, of.Offset, true
	}
	return l
}()

// segments returns the snapshot's segments and their offsets, or false.
// The reader must stay open while they are used.
func segments(r index.IndexReader) ([]*scorch.SegmentSnapshot, []uint64, bool) {
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok || !snapshotLayout.ok {
		return nil, nil, false
	}
	p := unsafe.Pointer(is)
	segs := *(*[]*scorch.SegmentSnapshot)(unsafe.Add(p, snapshotLayout.segs))
	offs := *(*[]uint64)(unsafe.Add(p, snapshotLayout.offs))
	if len(segs) != len(offs) {
		return nil, nil, false
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
	if !snapshotLayout.ok || m.closed.Load() || !m.building.CompareAndSwap(false, true) {
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
		m.build()
	}()
}

// tableChunk is how many stored ids a build looks up in the store at once.
const tableChunk = 4096

func (m *docMap) build() {
	adv, err := m.idx.Advanced()
	if err != nil {
		return
	}
	r, err := adv.Reader()
	if err != nil {
		return
	}
	defer r.Close()
	segs, _, ok := segments(r)
	if !ok {
		return
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
				return
			}
			ids = ids[:0]
			for d := start; d < min(start+tableChunk, n); d++ {
				id, err := s.DocID(d)
				if err != nil {
					return
				}
				ids = append(ids, string(id))
			}
			m.store.Refs(ids, t[start:])
		}
		next[s.Id()] = t
	}
	m.tables.Store(&next)
}
