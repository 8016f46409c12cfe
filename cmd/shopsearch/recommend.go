package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
	"shopsearch/rank"
	"shopsearch/recall"
	"shopsearch/server"
)

// modelFile is the recall model serve loads from the data directory, as
// `shopsearch train --out DATA/recall.model` writes it.
const modelFile = "recall.model"

// Catalog hot lists: how many items each keeps and how long.
const (
	hotListSize = 200
	hotListTTL  = time.Minute
)

// recommendDeps loads the recall and CTR models of the data directory, if
// any, makes the scenes over them and the catalog, opens the CTR sample log
// and starts the models' watcher and retraining (recState), with the
// behaviour store for the shoppers' recent items. m.closeRecommend stops
// them.
func (m *Main) recommendDeps() (server.RecommendDeps, error) {
	st, err := m.startRecommend()
	if err != nil {
		return server.RecommendDeps{}, err
	}
	m.rec = st
	d := server.RecommendDeps{Models: st.current, Samples: st.samples, Pins: st.pins, Sensitive: st.sensitive}
	if m.events != nil {
		if b, ok := m.events.st.(server.RecBehavior); ok {
			d.Behavior = b
		}
	}
	return d, nil
}

// Model files and the sample log serve keeps in the data directory.
const (
	ctrModelFile = "ctr.model"   // shopsearch train --ctr-out writes it
	sampleDir    = "ctr-samples" // the CTR sample log (rank.SampleLog)
	scenesFile   = "scenes.json" // the scenes' quotas and fallbacks (recall.ReadSceneConfig); optional
)

// recState is the recommendations' models as serving sees them: the scenes
// over the current recall model and the current CTR model, swapped
// atomically when a model file changes (another replica or a train run
// published it) or serve retrained it on its schedule.
type recState struct {
	m       *Main
	hot     *catalogHot
	samples *rank.SampleLog
	pins    *server.SlotPins // in the profiles' store; nil without one
	// sensitive is the sensitive-category policy, in the profiles' store
	// (the defaults, read-only, without one).
	sensitive *server.SensitiveList
	scenes    atomic.Pointer[map[string]recall.Recaller]
	ctr       atomic.Pointer[rank.CTRModel]
	model     *recall.Model      // the recall model in use; nil none (guarded by mu)
	sceneCfg  recall.SceneConfig // from DATA/scenes.json; nil: the defaults (guarded by mu)
	// The files' signatures when last loaded (the watcher's state).
	recallSig, ctrSig, scenesSig fileSig
	mu                           sync.Mutex // one load or retraining at a time
	cancel                       context.CancelFunc
	wg                           sync.WaitGroup
}

// fileSig identifies a version of a file: size, modification time and a
// hash of its first sigHead bytes. The time alone is not enough: the
// kernel stamps files at a coarse clock, so two models published within a
// few milliseconds (same size, same time) would look alike; the model
// files carry a checksum of their content in that head, and scenes.json
// fits in it.
type fileSig struct {
	size int64
	mod  time.Time
	head uint64
}

// sigHead is how much of a file its signature hashes.
const sigHead = 4096

func statSig(path string) (fileSig, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileSig{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileSig{}, err
	}
	h := fnv.New64a()
	if _, err := io.CopyN(h, f, sigHead); err != nil && !errors.Is(err, io.EOF) {
		return fileSig{}, err
	}
	return fileSig{fi.Size(), fi.ModTime(), h.Sum64()}, nil
}

func (r *recState) current() (map[string]recall.Recaller, *rank.CTRModel) {
	var scenes map[string]recall.Recaller
	if p := r.scenes.Load(); p != nil {
		scenes = *p
	}
	return scenes, r.ctr.Load()
}

func (r *recState) path(name string) string { return filepath.Join(r.m.cfg.DataDir, name) }

func (r *recState) logf(format string, args ...any) {
	fmt.Fprintf(r.m.cfg.Stdout, "recommendations: "+format+"\n", args...)
}

// startRecommend loads the models, opens the sample log and starts the
// goroutines: the watcher (every ModelPoll) and the retrainings (every
// CTRRetrain, RecallRetrain), each only when its interval is positive.
func (m *Main) startRecommend() (*recState, error) {
	r := &recState{m: m, hot: newCatalogHot(m.engine.Store())}
	if err := r.loadScenes(true); err != nil {
		return nil, err
	}
	if err := r.loadRecall(true); err != nil {
		return nil, err
	}
	if err := r.loadCTR(true); err != nil {
		return nil, err
	}
	var settings server.SlotPinStore
	if ms, ok := m.state.(*merchState); ok {
		p, err := server.NewSlotPins(ms.st)
		if err != nil {
			return nil, err
		}
		r.pins, settings = p, ms.st
	}
	sens, err := server.NewSensitiveList(settings)
	if err != nil {
		return nil, err
	}
	r.sensitive = sens
	if !m.cfg.NoSampleLog {
		l, err := rank.OpenSampleLog(r.path(sampleDir), rank.SampleLogConfig{})
		if err != nil {
			return nil, err
		}
		r.samples = l
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	every := func(d time.Duration, f func()) {
		if d <= 0 {
			return
		}
		r.wg.Go(func() {
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					f()
				}
			}
		})
	}
	poll := m.cfg.ModelPoll
	if poll == 0 {
		poll = 10 * time.Second
	}
	every(poll, r.watch)
	every(m.cfg.CTRRetrain, func() {
		if err := r.retrainCTR(); err != nil {
			r.logf("ctr retraining: %v", err)
		}
	})
	if m.cfg.RecallBehavior != "" || m.cfg.RecallSessions != "" {
		every(m.cfg.RecallRetrain, func() {
			if err := r.retrainRecall(ctx); err != nil {
				r.logf("recall retraining: %v", err)
			}
		})
	}
	return r, nil
}

// closeRecommend stops the watcher and the retrainings and closes the
// sample log.
func (m *Main) closeRecommend() error {
	r := m.rec
	if r == nil {
		return nil
	}
	r.cancel()
	r.wg.Wait()
	if r.samples != nil {
		return r.samples.Close()
	}
	return nil
}

// watch reloads a model whose file changed since it was loaded, and the
// slot pins and sensitive categories (another replica may have saved them).
func (r *recState) watch() {
	if r.pins != nil {
		if err := r.pins.Reload(); err != nil {
			r.logf("%v (keeping the pins in use)", err)
		}
	}
	if err := r.sensitive.Reload(); err != nil {
		r.logf("%v (keeping the sensitive categories in use)", err)
	}
	if err := r.loadScenes(false); err != nil {
		r.logf("%v (keeping the scenes in use)", err)
	}
	if err := r.loadRecall(false); err != nil {
		r.logf("%v (keeping the model in use)", err)
	}
	if err := r.loadCTR(false); err != nil {
		r.logf("%v (keeping the model in use)", err)
	}
}

// loadRecall (re)loads DATA/recall.model when its file changed (or first)
// and swaps in scenes over it. A missing file is no error: the catalog
// recallers carry the scenes. At first a bad file is an error; later it is
// logged and the model in use stays.
func (r *recState) loadRecall(first bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := r.path(modelFile)
	sig, err := statSig(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first {
			r.logf("no %s yet (shopsearch train writes one); catalog recallers only", path)
			return r.swapScenes(nil)
		}
		return nil
	case err != nil:
		return fmt.Errorf("recall model: %w", err)
	case !first && sig == r.recallSig:
		return nil
	}
	mod, err := recall.Load(path)
	if err != nil {
		if first {
			return err
		}
		r.recallSig = sig // do not retry a bad file until it changes
		return err
	}
	r.recallSig = sig
	r.logf("model %s (%s)", path, mod.Stats())
	return r.swapScenes(mod)
}

// swapScenes makes the scenes over mod and the scene config; callers hold
// mu.
func (r *recState) swapScenes(mod *recall.Model) error {
	scenes, err := recall.SceneRecallers(r.hot.deps(mod, r.sceneCfg))
	if err != nil {
		return err
	}
	if mod != r.model { // the complements mined from its co-purchases, if it has any of the catalog's
		comp := minedComplements(mod, r.m.engine.Store())
		if comp != nil {
			r.logf("complements: %d leaf categories mined from the model's co-purchases", comp.Mined())
		} else {
			comp = recall.DefaultComplements()
		}
		r.hot.comp.Store(comp)
	}
	r.model = mod
	r.scenes.Store(&scenes)
	return nil
}

// loadScenes (re)reads DATA/scenes.json, the scenes' quotas and fallbacks,
// when it changed (or first), and remakes the scenes (after the first
// time: loadRecall makes them then). Without the file the defaults hold;
// a bad file fails the start, and later is logged and ignored.
func (r *recState) loadScenes(first bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := r.path(scenesFile)
	sig, err := statSig(path)
	var cfg recall.SceneConfig
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first || r.scenesSig == (fileSig{}) {
			return nil
		}
		sig = fileSig{} // removed: back to the defaults
	case err != nil:
		return fmt.Errorf("scenes: %w", err)
	case !first && sig == r.scenesSig:
		return nil
	default:
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("scenes: %w", err)
		}
		cfg, err = recall.ReadSceneConfig(f)
		f.Close()
		r.scenesSig = sig
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r.logf("scenes from %s", path)
	}
	r.scenesSig, r.sceneCfg = sig, cfg
	if first {
		return nil
	}
	return r.swapScenes(r.model)
}

// loadCTR (re)loads DATA/ctr.model like loadRecall; without one the
// heuristic blend ranks.
func (r *recState) loadCTR(first bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := r.path(ctrModelFile)
	sig, err := statSig(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first {
			r.logf("no %s yet (shopsearch train --ctr-samples writes one); the heuristic blend ranks", path)
		}
		return nil
	case err != nil:
		return fmt.Errorf("ctr model: %w", err)
	case !first && sig == r.ctrSig:
		return nil
	}
	r.ctrSig = sig
	mod, err := rank.LoadCTR(path)
	if err != nil {
		return err
	}
	r.ctr.Store(mod)
	r.logf("%s (%s)", path, mod)
	return nil
}

// retrainCTR trains the CTR model on the sample log and publishes it; too
// few samples leave the current model (or the heuristic) in place.
func (r *recState) retrainCTR() error {
	if r.samples == nil {
		return nil
	}
	if err := r.samples.Flush(); err != nil {
		return err
	}
	samples, st, err := rank.ReadSamples([]string{r.samples.Dir()}, rank.DefaultJoinWindow)
	if err != nil {
		return err
	}
	mod, err := rank.TrainCTR(samples, rank.DefaultCTRConfig())
	if errors.Is(err, rank.ErrTooFewSamples) {
		r.logf("ctr retraining skipped: %v (%s)", err, st)
		return nil
	}
	if err != nil {
		return err
	}
	if err := mod.Save(r.path(ctrModelFile)); err != nil {
		return err
	}
	return r.loadCTR(false)
}

// retrainRecall rebuilds the recall model from the configured behaviour CSV
// and/or sessions file, publishes it and swaps it in.
func (r *recState) retrainRecall(ctx context.Context) error {
	mod, err := buildRecall(ctx, r.m.cfg.RecallSessions, r.m.cfg.RecallBehavior, 30*time.Minute, recall.DefaultConfig())
	if err != nil {
		return err
	}
	if err := mod.Save(r.path(modelFile)); err != nil {
		return err
	}
	return r.loadRecall(false)
}

// catalogScenes are the scenes over model (nil: none yet) and the
// catalog's recallers over st.
func catalogScenes(st *rank.Store, model *recall.Model) (map[string]recall.Recaller, error) {
	hot := newCatalogHot(st)
	return recall.SceneRecallers(hot.deps(model, nil))
}

// catalogHot keeps the best sellers in stock of every category path (and
// of each of its prefixes, and of the whole catalog under ""), all
// recomputed in one pass over the store once they are hotListTTL old: one
// scan serves every category, where browsing a million products per
// category asked for would not.
type catalogHot struct {
	store *rank.Store
	// comp says which categories complement which (the complement
	// recaller): recall.DefaultComplements, or with a model's mined pairs.
	comp      atomic.Pointer[recall.Complements]
	refreshMu sync.Mutex // one recomputation at a time
	mu        sync.Mutex // guards lists, leaves and at
	lists     map[string][]string
	leaves    *leafIndex // the lists by leaf name (recommend_catalog.go)
	at        time.Time
}

// list returns the best sellers of category ("" for the whole catalog).
// The first callers wait for the first lists; later ones get the current
// lists while a stale set is recomputed in the background.
func (h *catalogHot) list(category string) []string {
	lists, _ := h.current()
	return lists[category]
}

// current returns the current lists and leaf index, computing them first
// when there are none and starting a recomputation when they are stale.
func (h *catalogHot) current() (map[string][]string, *leafIndex) {
	h.mu.Lock()
	lists, leaves, at := h.lists, h.leaves, h.at
	h.mu.Unlock()
	switch {
	case lists == nil:
		h.refreshMu.Lock()
		h.mu.Lock()
		done := h.lists != nil // made while this caller waited
		h.mu.Unlock()
		if !done {
			h.refresh()
		}
		h.refreshMu.Unlock()
		h.mu.Lock()
		lists, leaves = h.lists, h.leaves
		h.mu.Unlock()
	case time.Since(at) >= hotListTTL && h.refreshMu.TryLock():
		go func() {
			defer h.refreshMu.Unlock()
			h.refresh()
		}()
	}
	return lists, leaves
}

// refresh recomputes every list; callers hold refreshMu.
func (h *catalogHot) refresh() {
	type entry struct {
		id    string
		sales int64
	}
	tops := map[string][]entry{}
	paths := map[string]bool{} // the products' own category paths
	less := func(a, b entry) bool { return a.sales < b.sales || a.sales == b.sales && a.id > b.id }
	push := func(cat string, e entry) {
		t := tops[cat]
		if len(t) < hotListSize {
			tops[cat] = append(t, e)
			if len(t)+1 == hotListSize {
				heapify(tops[cat], less)
			}
			return
		}
		if less(t[0], e) { // better than the worst kept
			t[0] = e
			siftDown(t, 0, less)
		}
	}
	h.store.Scan(func(p *models.Product) error {
		if p.HasStock && p.Stock == 0 {
			return nil
		}
		e := entry{p.ID, p.Sales30d}
		paths[p.Category] = true
		push("", e)
		for cat := p.Category; cat != ""; {
			push(cat, e)
			i := strings.LastIndexByte(cat, '>')
			if i < 0 {
				break
			}
			cat = cat[:i]
		}
		return nil
	})
	lists := make(map[string][]string, len(tops))
	sales := map[string]int64{}
	for _, t := range tops {
		for _, e := range t {
			sales[e.id] = e.sales
		}
	}
	for cat, t := range tops {
		slices.SortFunc(t, func(a, b entry) int {
			if less(b, a) {
				return -1
			}
			if less(a, b) {
				return 1
			}
			return 0
		})
		ids := make([]string, len(t))
		for i, e := range t {
			ids[i] = e.id
		}
		lists[cat] = ids
	}
	leaves := newLeafIndex(lists, paths, sales)
	h.mu.Lock()
	h.lists, h.leaves, h.at = lists, leaves, time.Now()
	h.mu.Unlock()
}

// heapify and siftDown keep a min-heap of t by less (the worst kept first).
func heapify[T any](t []T, less func(a, b T) bool) {
	for i := len(t)/2 - 1; i >= 0; i-- {
		siftDown(t, i, less)
	}
}

func siftDown[T any](t []T, i int, less func(a, b T) bool) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t) && less(t[l], t[m]) {
			m = l
		}
		if r < len(t) && less(t[r], t[m]) {
			m = r
		}
		if m == i {
			return
		}
		t[i], t[m] = t[m], t[i]
		i = m
	}
}

// recall is the Hot recaller: the best sellers of req.Category.
func (h *catalogHot) recall(_ context.Context, req recall.Request) []recall.Candidate {
	return pick(h.list(req.Category), req, recall.SourceCatalogHot)
}

// content is the Content recaller: the best sellers of the categories of
// the shopper's newest items (and cart), the newest first.
func (h *catalogHot) content(_ context.Context, req recall.Request) []recall.Candidate {
	var cats []string
	seen := map[string]bool{}
	for _, ids := range [][]string{req.Cart, req.Items} {
		for i := len(ids) - 1; i >= 0 && len(cats) < 3; i-- {
			if p, ok := h.store.Get(ids[i]); ok && p.Category != "" && !seen[p.Category] {
				seen[p.Category] = true
				cats = append(cats, p.Category)
			}
		}
	}
	var out []recall.Candidate
	for _, c := range cats {
		sub := req
		sub.N = (req.N + len(cats) - 1) / len(cats)
		out = append(out, pick(h.list(c), sub, recall.SourceContent)...)
	}
	return out
}

// pick takes up to req.N of ids that req does not exclude, scored by rank.
func pick(ids []string, req recall.Request, source string) []recall.Candidate {
	var out []recall.Candidate
	for i, id := range ids {
		if len(out) >= req.N {
			break
		}
		if req.Exclude != nil && req.Exclude(id) {
			continue
		}
		out = append(out, recall.Candidate{Item: id, Score: 1 / float64(1+i), Source: source})
	}
	return out
}

// recFlags registers serve's recommendation flags on fs.
func recFlags(fs *flag.FlagSet, cfg *ServeConfig) {
	fs.DurationVar(&cfg.ModelPoll, "model-poll", 10*time.Second, "check DATA/"+modelFile+" and DATA/"+ctrModelFile+" for a new version this often (negative: never)")
	fs.DurationVar(&cfg.CTRRetrain, "ctr-retrain", time.Hour, "retrain the CTR model on DATA/"+sampleDir+" this often (0: never)")
	fs.DurationVar(&cfg.RecallRetrain, "recall-retrain", 24*time.Hour, "retrain the recall model on --recall-behavior/--recall-sessions this often (0: never)")
	fs.StringVar(&cfg.RecallBehavior, "recall-behavior", "", "behaviour CSV the scheduled recall retraining reads")
	fs.StringVar(&cfg.RecallSessions, "recall-sessions", "", "sessions file the scheduled recall retraining reads")
	fs.BoolVar(&cfg.NoSampleLog, "no-ctr-samples", false, "do not log served slots and their clicks for the CTR model")
}
