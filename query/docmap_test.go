package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/upsidedown"
	"github.com/blevesearch/bleve/v2/index/upsidedown/store/gtreap"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/models"
	"shopsearch/rank"
)

// TestSegmentOffsets: the offsets summed from the exported segments are
// the ones Bleve resolves stored ids with: every live document's number,
// offset plus local number, is the one InternalID gives for its id, in a
// snapshot of several segments with deleted documents (an in-memory scorch
// index, which does not merge: one segment a batch).
func TestSegmentOffsets(t *testing.T) {
	t.Parallel()
	idx := memIndex(t, scorch.Name, scorch.Name)
	for b := range 4 {
		batch := idx.NewBatch()
		for i := range 3 + b {
			if err := batch.Index(fmt.Sprintf("d%d-%d", b, i), map[string]string{"title": "手机"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.Batch(batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"d0-1", "d2-0", "d3-5"} {
		if err := idx.Delete(id); err != nil {
			t.Fatal(err)
		}
	}
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	segs, offs, ok := segments(r)
	if !ok || len(segs) < 2 {
		t.Fatalf("segments: %d, ok %v; the test wants several", len(segs), ok)
	}
	var live uint64
	for i, s := range segs {
		for d := range s.Segment().Count() {
			if s.Deleted() != nil && s.Deleted().Contains(uint32(d)) {
				continue
			}
			id, err := s.DocID(d)
			if err != nil {
				t.Fatal(err)
			}
			in, err := r.InternalID(string(id))
			if err != nil {
				t.Fatal(err)
			}
			if got := in.Value(); got != offs[i]+d {
				t.Errorf("%s: segment %d local %d: number %d, Bleve says %d", id, i, d, offs[i]+d, got)
			}
			live++
		}
	}
	if n, _ := r.DocCount(); live != n || n != 4*3+6-3 {
		t.Errorf("segments hold %d live documents, the index %d, want 15", live, n)
	}
}

// TestDocMapBuildError: a build that cannot tabulate the index (here not
// a scorch one) returns its error, which the map keeps, rather than
// stopping silently.
func TestDocMapBuildError(t *testing.T) {
	t.Parallel()
	m := newDocMap(memIndex(t, upsidedown.Name, gtreap.Name), rank.NewStore(nil, nil))
	m.wg.Wait()
	if err := m.err(); !errors.Is(err, errNotScorch) {
		t.Errorf("build over an upsidedown index: error %v, want %v", err, errNotScorch)
	}
	m.close()
}

// memIndex is an empty in-memory Bleve index of that type and store,
// closed when the test ends.
func memIndex(t *testing.T, indexType, kvstore string) bleve.Index {
	t.Helper()
	idx, err := bleve.NewUsing("", bleve.NewIndexMapping(), indexType, kvstore, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// waitTables waits until every segment of the index has a table.
func waitTables(t *testing.T, e *Engine) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		e.docs.wg.Wait()
		if err := e.docs.err(); err != nil {
			t.Fatal(err)
		}
		adv, _ := e.idx.Advanced()
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		segs, _, _ := segments(r)
		tables := *e.docs.tables.Load()
		all := true
		for _, s := range segs {
			if _, ok := tables[s.Id()]; !ok {
				all = false
			}
		}
		r.Close()
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("segment tables never built")
		}
		e.docs.refresh()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPhase1ResolvesLikeBleve: the candidates phase 1 collects — through
// the segment tables, through the slow path before they exist, and after
// upserts and deletes that add segments and delete documents — are the
// ones Bleve's own search returns, in the same order.
func TestPhase1ResolvesLikeBleve(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	e.cache = nil
	queries := []string{"手机", "空调", "格力", "苹果", "鼠标", "精华", "华为 手机壳"}
	check := func(stage string) {
		t.Helper()
		for _, text := range queries {
			plan := Analyze(Parse(text), e.an, e.store.IsBrand)
			q := plan.bleveQuery(e.cfg.Field, nil)
			for _, k := range []int{1, 3, 1000} {
				got, matched, err := e.collect(context.Background(), q, k, 0, false)
				if err != nil {
					t.Fatal(err)
				}
				e.store.FillIDs(got)
				want, total := bleveCandidates(t, e, q, k)
				if matched != total {
					t.Errorf("%s: %q: %d matched, Bleve says %d", stage, text, matched, total)
				}
				// Ties at the cut go by catalog order in phase 1 and by
				// index order in Bleve (which a background merge between
				// the two searches may change too): the same scores in the
				// same order, and with every match, the same items.
				if !slices.Equal(scores(got), scores(want)) {
					t.Errorf("%s: %q k=%d: got %v, want %v", stage, text, k, candIDs(got), candIDs(want))
				}
				if g, w := candIDs(got), candIDs(want); k == 1000 && !slices.Equal(sorted(g), sorted(w)) {
					t.Errorf("%s: %q: got %v, want %v", stage, text, g, w)
				}
				for _, c := range got {
					if p, ok := e.store.Get(c.ID); !ok || c.Ref == 0 || p.ID != c.ID {
						t.Errorf("%s: %q: candidate %+v does not resolve", stage, text, c)
					}
				}
			}
		}
	}
	check("before tables")
	waitTables(t, e)
	check("tables")
	extra := []models.Product{
		{ID: "n1", Title: "荣耀 Magic6 5G手机 新品", Brand: "荣耀", Category: catPhone, Price: 4399},
		{ID: "n2", Title: "格力 空调 新风 1.5匹", Brand: "格力", Category: catWallAC, Price: 3999},
	}
	if err := e.Upsert(extra); err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert([]models.Product{{ID: "p03", Title: "华为 Mate 60 Pro 手机 新版", Brand: "华为", Category: catPhone, Price: 6899}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete([]string{"p01", "p10"}); err != nil {
		t.Fatal(err)
	}
	check("after writes")
	waitTables(t, e)
	check("after writes, tables")
}

func bleveCandidates(t *testing.T, e *Engine, q bq.Query, k int) ([]rank.Candidate, int) {
	t.Helper()
	res, err := e.idx.Search(bleve.NewSearchRequestOptions(q, k, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	var out []rank.Candidate
	for _, h := range res.Hits {
		out = append(out, rank.Candidate{ID: h.ID, Score: quantize(h.Score)}) // as phase 1 rounds them
	}
	return out, int(res.Total)
}

func candIDs(cs []rank.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s:%.4f", c.ID, c.Score)
	}
	return out
}

func scores(cs []rank.Candidate) []float64 {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = c.Score
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestTopHits(t *testing.T) {
	t.Parallel()
	var hits []hit
	for i := range 200 {
		hits = append(hits, hit{doc: uint64(i), score: float64((i * 37) % 11)})
	}
	want := slices.Clone(hits)
	sortHits(want)
	for _, k := range []int{1, 2, 10, 57, 199, 200, 500} {
		got := topHits(slices.Clone(hits), k)
		if !slices.Equal(got, want[:min(k, len(want))]) {
			t.Errorf("k=%d: got %v", k, got[:min(5, len(got))])
		}
	}
}

func TestByScoreBuckets(t *testing.T) {
	t.Parallel()
	var hits []hit
	for i := range 5000 {
		hits = append(hits, hit{doc: uint64(i), score: float64((i * 7919) % 13)})
	}
	want := slices.Clone(hits)
	sortHits(want)
	if got := topHits(slices.Clone(hits), len(hits)); !slices.Equal(got, want) {
		t.Error("counting sort differs from the comparison sort")
	}
	many := slices.Clone(hits)
	for i := range many {
		many[i].score = float64(i)
	}
	if byScoreBuckets(many) {
		t.Error("5,000 distinct scores sorted by buckets")
	}
}

// sortHits orders hits as topHits must: best score first, ties by document.
func sortHits(hits []hit) {
	slices.SortFunc(hits, func(a, b hit) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return int(a.doc) - int(b.doc)
	})
}
