package recall

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/recall/ctr"
)

// Catalog is what a Service reads of the catalog: the products and their
// ranking columns, the merchandisers' weight profiles, and a search (a
// failed query's likely category). *query.Engine has it.
type Catalog interface {
	Store() *rank.Store
	Merch() (*rank.Profiles, *rank.Rulebook)
	Search(ctx context.Context, req query.Request) (*query.Response, error)
}

// Behavior is what recommendations read of a shopper's behaviour; the
// behaviour store (store.Embedded, store.Redis) has it. Actors are "u:ID"
// or "s:ID" and slots "scene/slot", as the event intake writes them.
type Behavior interface {
	RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error)
	Exposed(ctx context.Context, actor, slot string) ([]string, error)
}

// Pins are the merchandisers' slot pins (server.SlotPins): item ids at
// 1-based positions of a scene's slot in a region at a time.
type Pins interface {
	For(scene, region string, now time.Time) map[int]string
	Reload() error
}

// SensitiveClasses is the sensitive-category policy in use
// (server.SensitiveList).
type SensitiveClasses interface {
	Classes() *rank.Sensitive
	Reload() error
}

// ServiceConfig is what a Service is made of. Catalog is required; the
// rest is optional.
type ServiceConfig struct {
	Catalog Catalog
	// Behavior gives the shopper's recent items and what a slot showed
	// them; nil: recommendations from the request alone.
	Behavior Behavior
	// Pins, when set, are applied to every slot (a pin never overrides
	// the sensitive list) and reloaded by Watch.
	Pins Pins
	// Sensitive keeps sensitive categories out of the slots; nil: the
	// defaults (rank.DefaultSensitivePolicy). Reloaded by Watch.
	Sensitive SensitiveClasses
	// Scenes, when set, are the fixed recallers of each scene (tests,
	// benchmarks): no model files, no watcher, no sample log.
	Scenes map[string]Recaller
	// DataDir holds the model files (ModelFile, CTRModelFile, ScenesFile)
	// and the sample log (SampleDir); "": none — the catalog's recallers
	// carry the scenes and the heuristic blend ranks.
	DataDir string
	// ModelPoll is how often the model files are checked for a new version
	// (0: 10 s; negative: never); CTRRetrain and RecallRetrain how often
	// the CTR model is retrained on its sample log and the recall model on
	// RecallBehavior and/or RecallSessions (0: never).
	ModelPoll, CTRRetrain, RecallRetrain time.Duration
	RecallBehavior, RecallSessions       string
	// RecallStore, when set, is the behaviour store whose events the
	// recall retraining reads as well (EventsFromStore).
	RecallStore BehaviorLog
	// NoSampleLog turns the CTR sample log off.
	NoSampleLog bool
	// Now is the clock (slot rules, pins, new-item decay, hot lists, the
	// sample log's times); nil: time.Now.
	Now func() time.Time
	// Logf reports the models' lifecycle (loads, retrainings, refused
	// files); nil: silent.
	Logf func(format string, args ...any)
}

// Service answers recommendation slots: for a scene it reads the shopper,
// recalls candidates through the scene's fallback chain (SceneRecallers),
// ranks them over the catalog's columns (rank.Store.RankSlot, with the CTR
// model when there is one), reranks them (rerank.go) and logs the slot for the CTR
// model's training; it owns the models' lifecycle (lifecycle.go). It is
// safe for concurrent use.
type Service struct {
	cfg       ServiceConfig
	hot       *catalogHot
	sensitive *rank.Sensitive // the defaults, when cfg.Sensitive is nil
	samples   *ctr.SampleLog  // nil: no sample log

	scenes   atomic.Pointer[map[string]Recaller]
	ctrModel atomic.Pointer[ctr.Model]
	model    *Model      // the recall model in use; nil none (guarded by mu)
	sceneCfg SceneConfig // from DATA/scenes.json; nil: the defaults (guarded by mu)
	// The files' signatures when last loaded (the watcher's state).
	recallSig, ctrSig, scenesSig fileSig
	mu                           sync.Mutex // one load or retraining at a time
	cancel                       context.CancelFunc
	wg                           sync.WaitGroup
}

// NewService loads the models of cfg.DataDir, if any, opens the sample log
// and starts the models' watcher and retrainings; Close stops them.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Catalog == nil {
		return nil, fmt.Errorf("recall: a service needs a catalog")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, hot: newCatalogHot(cfg.Catalog.Store(), cfg.Now)}
	if cfg.Sensitive == nil {
		sens, err := rank.CompileSensitive(rank.DefaultSensitivePolicy())
		if err != nil {
			return nil, fmt.Errorf("recall: %w", err)
		}
		s.sensitive = sens
	}
	if err := s.startModels(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Recommendation limits.
const (
	recOverfetch = 3  // candidates recalled per item wanted, for rerank's filters
	recRecent    = 30 // recent items of the shopper read for a slot
)

// fallbackSources are the catalog's coherent fallbacks (SceneDeps): their
// rescaled scores are weighed by fallbackWeight, so that what the
// shopper's behaviour recalled (session, item2item, cobuy) outranks them
// at equal rescaled score, and they fill what it leaves.
var fallbackSources = map[string]bool{SourceSimilar: true, SourceComplement: true, SourceSpread: true}

const fallbackWeight = 0.7

// ImpressionPrefix starts every impression id a Service gives out.
const ImpressionPrefix = "r-"

// SlotRequest asks for one recommendation slot.
type SlotRequest struct {
	Scene string // one of Scenes
	// Actor is the shopper as the behaviour store knows them ("u:ID" or
	// "s:ID"); "": anonymous. User is their id for the A/B split.
	Actor, User string
	Item        string   // the detail scene's item
	Cart        []string // the cart, or what was bought (order_complete)
	Query       string   // the zero_result scene's failed query
	Region      string
	Device      string // "", "mobile" or "pc": the slot rules'
	N           int    // items wanted
	Explain     bool   // explain each item's score (and pCTR)
}

// Slot is an answered slot.
type Slot struct {
	Scene, Slot  string
	ImpressionID string // for the events that answer the slot
	Profile      string // the weight profile that ranked it
	// Model is "ctr" when the learned CTR model ranked the slot, else
	// "heuristic".
	Model string
	Items []rank.RecItem
	// Warnings are what went wrong without failing the slot (a behaviour
	// store that is down, a sample log that cannot be written): the caller
	// logs them.
	Warnings []error
}

// Recommend answers one slot: the scene's recaller (its quotas and
// fallback chain) over the shopper's recent items, blended with the
// commercial factors of the slot's weight profile (or ranked by the CTR
// model; rank.Store.RankSlot: nothing out of stock or undeliverable), with
// nothing bought or in the cart, nothing this slot showed the shopper
// recently while others are left, and reranked (rerank.go: categories and
// brands scattered, the pins in place), logged to the sample log under a new
// impression id.
func (s *Service) Recommend(ctx context.Context, req SlotRequest) (Slot, error) {
	scenes, cm := s.models()
	recaller := scenes[req.Scene]
	if recaller == nil {
		return Slot{}, models.Errorf(models.EUNAVAILABLE, "scene %s is not configured", req.Scene)
	}
	out := Slot{Scene: req.Scene, Slot: req.Scene, ImpressionID: impressionID(), Profile: "default", Model: "heuristic"}
	profile := s.profile(req)
	if profile != nil {
		out.Profile = profile.Name
	}
	if cm != nil {
		out.Model = "ctr"
	}
	var warn []error
	out.Items = s.slot(ctx, req, recaller, profile, cm, &warn)
	if err := s.logImpression(out.ImpressionID, req.Scene, out.Items); err != nil {
		warn = append(warn, err)
	}
	out.Warnings = warn
	return out, nil
}

// LogLabels adds the clicks, carts and purchases that answer served slots
// to the sample log (the event intake calls it), if there is one.
func (s *Service) LogLabels(ls []ctr.Label) error {
	if s.samples == nil {
		return nil
	}
	for _, l := range ls {
		if err := s.samples.LogLabel(l); err != nil {
			return fmt.Errorf("recommend: %w", err)
		}
	}
	return nil
}

// LogsSamples reports whether the service keeps a sample log.
func (s *Service) LogsSamples() bool { return s.samples != nil }

// classes is the sensitive-category policy in use.
func (s *Service) classes() *rank.Sensitive {
	if s.cfg.Sensitive != nil {
		return s.cfg.Sensitive.Classes()
	}
	return s.sensitive
}
