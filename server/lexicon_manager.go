package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// LexiconStore keeps the versions of the lexicon document (store.Embedded
// and store.Redis implement it).
type LexiconStore interface {
	// AppendLexicon stores a version; it fails with models.ECONFLICT unless
	// version is one more than the latest stored one.
	AppendLexicon(version int, data []byte) error
	// LexiconVersions visits every stored version, oldest first.
	LexiconVersions(fn func(version int, data []byte) error) error
	// LatestLexicon is the latest stored version (0: none).
	LatestLexicon() (int, error)
}

// LexiconMarkerFile is the file, in the index's generation directory, that
// records the lexicon document the index's segmentation reflects.
const LexiconMarkerFile = "lexicon.json"

// LexiconConfig wires the lexicon manager.
type LexiconConfig struct {
	// Engine's analyzer (Engine.Analyzer(), of its queries and of its
	// index's titles) is swapped on every change, and Engine re-indexes the
	// products a word change affects. nil: no engine; Analyzer alone.
	Engine *query.Engine
	// Analyzer, when set, is swapped instead of the engine's: for a
	// manager without an engine, or one whose changes must not reach the
	// engine's queries (a test). Leave it nil to follow the engine.
	Analyzer *dict.Analyzer
	// Loaded is the document whose words Analyzer has (PreloadLexicon's
	// answer); nil: the built-in lexicon.
	Loaded *models.Lexicon
	// Marker is the file recording what the index reflects
	// (LexiconMarkerFile in the generation directory); "" keeps no record,
	// and the index is taken to reflect Loaded.
	Marker string
	Logf   func(format string, args ...any) // nil: no log
}

// LexiconStatus is where applying the published lexicon stands.
type LexiconStatus struct {
	Version int `json:"version"` // the published version
	Applied int `json:"applied"` // the version queries are analysed with
	Indexed int `json:"indexed"` // the version the index's segmentation reflects
	// State is "ready" (all three agree), "building" (a new dictionary is
	// loading, about two seconds), "reindexing" (titles with a changed word
	// are being analysed again; searches go on meanwhile) or "failed".
	State        string    `json:"state"`
	ChangedWords []string  `json:"changed_words,omitempty"` // of the build or re-index under way or last done
	Done         int       `json:"done"`                    // products re-indexed so far
	Total        int       `json:"total"`                   // products to re-index
	Error        string    `json:"error,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Lexicons manages the lexicon document: its versions are kept in the store
// (version 0 is the built-in lexicon, with nothing added), and the current
// one is applied to the analyzer and the index. A synonym-only change is
// applied before Put returns (a copy of the loaded dictionary with the new
// rules, swapped atomically); a word change builds a new dictionary in the
// background, swaps it in, then re-indexes the products whose text contains
// a changed word, reporting progress in Status.
type Lexicons struct {
	st  LexiconStore
	cfg LexiconConfig

	mu  sync.Mutex // serialises writers and reloads
	cur atomic.Pointer[[]*models.Lexicon]

	applyMu sync.Mutex      // serialises swaps of the analyzer
	loaded  *models.Lexicon // whose words the analyzer has; under applyMu
	indexed *models.Lexicon // what the index reflects; the worker's alone
	status  atomic.Pointer[LexiconStatus]
	kick    chan struct{} // wakes the worker (capacity 1)
	stop    context.CancelFunc
	done    chan struct{}
}

// NewLexicons loads the versions from st, applies the current one and
// starts the background worker; Close stops it.
func NewLexicons(st LexiconStore, cfg LexiconConfig) (*Lexicons, error) {
	if cfg.Analyzer == nil && cfg.Engine != nil {
		cfg.Analyzer = cfg.Engine.Analyzer()
	}
	if cfg.Analyzer == nil {
		return nil, errors.New("lexicons: no engine and no analyzer")
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	l := &Lexicons{st: st, cfg: cfg, loaded: cfg.Loaded, indexed: cfg.Loaded, kick: make(chan struct{}, 1), done: make(chan struct{})}
	if cfg.Marker != "" {
		m, err := readLexiconMarker(cfg.Marker)
		if err != nil {
			return nil, err
		}
		l.indexed = m
	}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	go l.work(ctx)
	return l, nil
}

// Close stops the worker, abandoning a re-index under way (it resumes at
// the next start: the marker still names the old version).
func (l *Lexicons) Close() error {
	l.stop()
	<-l.done
	return nil
}

// readLexiconMarker reads the marker; a missing one means an index built
// with the built-in lexicon (nil).
func readLexiconMarker(path string) (*models.Lexicon, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lexicon marker: %w", err)
	}
	var doc models.Lexicon
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("lexicon marker %s: %w", path, err)
	}
	return &doc, nil
}

// builtinLexicon is version 0: nothing added to the built-in lexicon.
func builtinLexicon() *models.Lexicon {
	return &models.Lexicon{Words: []models.LexiconWord{}, Removed: []string{}, Stopwords: []string{}, Synonyms: []string{},
		Author: "system", Note: "内置词典"}
}

// loadVersions reads every version from st.
func loadVersions(st LexiconStore) ([]*models.Lexicon, error) {
	h := []*models.Lexicon{builtinLexicon()}
	err := st.LexiconVersions(func(version int, data []byte) error {
		var doc models.Lexicon
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("lexicon version %d: %w", version, err)
		}
		doc.Version = version
		h = append(h, &doc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load the lexicon: %w", err)
	}
	return h, nil
}

// PreloadLexicon reads the published lexicon from st and loads its words
// and synonyms into an, the analyzer the engine will be opened with,
// before the catalog is opened (opening replays the change log with an);
// it returns the document, nil when only the built-in lexicon is
// published. Pass the answer to NewLexicons as Loaded.
func PreloadLexicon(st LexiconStore, an *dict.Analyzer) (*models.Lexicon, error) {
	h, err := loadVersions(st)
	if err != nil {
		return nil, err
	}
	doc := h[len(h)-1]
	if doc.Version == 0 {
		return nil, nil
	}
	lex := an.Lexicon()
	if len(changedWords(nil, doc)) > 0 {
		if lex, err = dict.NewLexicon(lexiconAssets(doc)); err != nil {
			return nil, fmt.Errorf("lexicon version %d: %w", doc.Version, err)
		}
	}
	an.Swap(lex.WithSynonyms(synonymRules(doc)))
	return doc, nil
}

// Reload re-reads the store, for a replica to pick up what another saved,
// and applies the current version.
func (l *Lexicons) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old := l.cur.Load(); old != nil {
		// The store's change counter moves with profiles and rules too:
		// read every version only when there is a new one.
		latest, err := l.st.LatestLexicon()
		if err != nil {
			return fmt.Errorf("read the lexicon's version: %w", err)
		}
		if latest == (*old)[len(*old)-1].Version {
			return nil
		}
	}
	h, err := loadVersions(l.st)
	if err != nil {
		return err
	}
	l.cur.Store(&h)
	l.apply()
	return nil
}

// history is the versions, oldest first.
func (l *Lexicons) history() []*models.Lexicon { return *l.cur.Load() }

// Current returns the published version.
func (l *Lexicons) Current() models.Lexicon {
	h := l.history()
	return *h[len(h)-1]
}

// History returns every version, oldest first, from the built-in version 0.
func (l *Lexicons) History() []models.Lexicon {
	h := l.history()
	out := make([]models.Lexicon, len(h))
	for i, d := range h {
		out[i] = *d
	}
	return out
}

// Status says where applying the published version stands.
func (l *Lexicons) Status() LexiconStatus {
	st := *l.status.Load()
	st.Version = l.Current().Version
	return st
}

// Put validates doc (ValidateLexicon) and publishes it as the next version.
func (l *Lexicons) Put(doc models.Lexicon) (models.Lexicon, error) {
	if err := ValidateLexicon(&doc); err != nil {
		return models.Lexicon{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.history()
	doc.Version = h[len(h)-1].Version + 1
	doc.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(&doc)
	if err != nil {
		return models.Lexicon{}, fmt.Errorf("encode the lexicon: %w", err)
	}
	if err := l.st.AppendLexicon(doc.Version, data); err != nil {
		if models.ErrorCode(err) == models.ECONFLICT { // another replica saved first
			if nh, rerr := loadVersions(l.st); rerr == nil {
				l.cur.Store(&nh)
				l.apply()
			}
		}
		return models.Lexicon{}, fmt.Errorf("save the lexicon: %w", err)
	}
	saved := doc
	next := append(slices.Clip(h), &saved)
	l.cur.Store(&next)
	l.apply()
	return saved, nil
}

// Rollback publishes a copy of an old version as the next one, noted
// "rollback to vN".
func (l *Lexicons) Rollback(version int, author string) (models.Lexicon, error) {
	h := l.history()
	if version < 0 || version >= len(h) || h[version].Version != version {
		return models.Lexicon{}, models.Errorf(models.ENOTFOUND, "the lexicon has no version %d (versions 0 to %d)", version, h[len(h)-1].Version)
	}
	doc := *h[version]
	doc.Author, doc.Note = author, fmt.Sprintf("rollback to v%d", version)
	return l.Put(doc)
}

// apply makes the analyzer follow the current version: at once when only
// synonyms changed, through the worker when words did.
func (l *Lexicons) apply() {
	h := l.history()
	target := h[len(h)-1]
	l.applyMu.Lock()
	sameWords := len(changedWords(l.loaded, target)) == 0
	if sameWords {
		l.cfg.Analyzer.Swap(l.cfg.Analyzer.Lexicon().WithSynonyms(synonymRules(target)))
		l.loaded = target
	}
	l.applyMu.Unlock()
	if l.status.Load() == nil {
		l.setStatus(func(s *LexiconStatus) { s.State = "ready" })
	}
	if sameWords {
		l.setStatus(func(s *LexiconStatus) { s.Applied = target.Version })
	}
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// setStatus updates the status with f.
func (l *Lexicons) setStatus(f func(*LexiconStatus)) {
	for {
		old := l.status.Load()
		next := LexiconStatus{}
		if old != nil {
			next = *old
		}
		f(&next)
		next.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
		if l.status.CompareAndSwap(old, &next) {
			return
		}
	}
}

// work applies word changes and re-indexes, one at a time, until ctx ends.
func (l *Lexicons) work(ctx context.Context) {
	defer close(l.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.kick:
		}
		if err := l.step(ctx); err != nil && ctx.Err() == nil {
			l.cfg.Logf("lexicon: %v", err)
			l.setStatus(func(s *LexiconStatus) { s.State, s.Error = "failed", models.ErrorMessage(err) })
			if models.ErrorCode(err) == models.EINTERNAL {
				l.setStatus(func(s *LexiconStatus) { s.Error = err.Error() })
			}
		}
	}
}

// step brings the analyzer's words, then the index, up to the current
// version.
func (l *Lexicons) step(ctx context.Context) error {
	for {
		h := l.history()
		target := h[len(h)-1]
		l.applyMu.Lock()
		loaded := l.loaded
		l.applyMu.Unlock()
		words := changedWords(loaded, target)
		if len(words) == 0 {
			break
		}
		l.setStatus(func(s *LexiconStatus) {
			s.State, s.ChangedWords, s.Done, s.Total, s.Error = "building", words, 0, 0, ""
		})
		lex, err := dict.NewLexicon(lexiconAssets(target))
		if err != nil {
			return fmt.Errorf("build the dictionary of version %d: %w", target.Version, err)
		}
		l.applyMu.Lock()
		now := l.history()
		latest := now[len(now)-1]
		swapped := len(changedWords(target, latest)) == 0 // no newer word change meanwhile
		if swapped {
			l.cfg.Analyzer.Swap(lex.WithSynonyms(synonymRules(latest)))
			l.loaded = latest
		}
		l.applyMu.Unlock()
		if swapped {
			l.setStatus(func(s *LexiconStatus) { s.Applied = latest.Version })
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	l.applyMu.Lock()
	loaded := l.loaded
	l.applyMu.Unlock()
	words := changedWords(l.indexed, loaded)
	if len(words) > 0 && l.cfg.Engine != nil {
		l.setStatus(func(s *LexiconStatus) {
			s.State, s.ChangedWords, s.Done, s.Total, s.Error = "reindexing", words, 0, 0, ""
		})
		n, err := l.cfg.Engine.Reindex(ctx, words, func(done, total int) {
			l.setStatus(func(s *LexiconStatus) { s.Done, s.Total = done, total })
		})
		if err != nil {
			return fmt.Errorf("re-index for version %d (%d products done): %w", loaded.Version, n, err)
		}
		l.cfg.Logf("lexicon: version %d applied; %d products re-indexed for %d changed words", loaded.Version, n, len(words))
	}
	if l.cfg.Marker != "" && len(words) > 0 {
		data, err := json.Marshal(loaded)
		if err != nil {
			return fmt.Errorf("encode the lexicon marker: %w", err)
		}
		if err := indexer.WriteFileAtomic(l.cfg.Marker, data); err != nil {
			return fmt.Errorf("write the lexicon marker: %w", err)
		}
	}
	l.indexed = loaded
	version := 0
	if loaded != nil {
		version = loaded.Version
	}
	l.setStatus(func(s *LexiconStatus) {
		s.Indexed = version
		if h := l.history(); h[len(h)-1] == loaded || len(changedWords(loaded, h[len(h)-1])) == 0 {
			s.State = "ready"
		}
	})
	return nil
}
