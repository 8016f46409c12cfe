// Package events takes in shopper events (impressions, clicks, carts,
// favourites, purchases, searches): it validates them, applies the trust
// model and the fraud rules that keep bots out of the statistics, writes
// them to a behaviour store (store.Embedded or store.Redis), buffers them
// in a file while that store is unreachable, computes the per-item
// statistics that ranking reads, and guards the recommendations' reads of
// the store (Guard).
package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
)

// Store is what the ingester needs of a behaviour store.
type Store interface {
	Admit(ctx context.Context, a models.Admission) (models.Admitted, error)
	RecordBehavior(ctx context.Context, b *models.BehaviorBatch) error
	SweepBehavior(ctx context.Context, now time.Time) error
}

// Config holds the ingester's limits and rules. Zero fields take the
// values of DefaultConfig, the one place defaults live.
type Config struct {
	MaxBatch           int           // most events in one Ingest call
	MaxPast            time.Duration // an older event is refused; negative: no limit (imports)
	MaxFuture          time.Duration // a later one too (clock skew)
	MaxIDBytes         int           // longest user, session, item or impression id
	MaxImpressionItems int           // most items one impression lists
	MaxQueryRunes      int           // longest search text
	MaxQuantity        int           // most units in one purchase
	MaxAmount          float64       // most yuan in one purchase

	// Window: an anonymous event's actor (user or session), its session
	// when it names both, and its IP each count at most one impression,
	// click, add_to_cart and favorite per item, and one search per query,
	// per window (fixed windows of event time).
	Window time.Duration
	// ActorDailyCap and IPDailyCap: anonymous events of one actor (or
	// session) or one IP a day (UTC, event time) beyond these count as
	// dropped, not as popularity; ActorDailyUnits and IPDailyUnits the
	// same in units (an impression of 10 items is 10).
	ActorDailyCap   int
	IPDailyCap      int
	ActorDailyUnits int
	IPDailyUnits    int
	// IDTTL is how long an event id is remembered, so that a resent or
	// replayed event counts once: longer than events are accepted late.
	IDTTL time.Duration
	// A click counts only as a click-through: when its actor was shown
	// the item (an impression) in the same or the previous window.
	// ClicksWithoutImpression counts the others too, for recorded data
	// sets that have no impressions (the loaders).
	ClicksWithoutImpression bool
	// NoFraudRules counts every valid event (for tests that show what the
	// rules prevent).
	NoFraudRules bool
	// AnonymousPurchases counts the purchases of anonymous events too: for
	// the loaders of recorded data sets, which the operator runs (the
	// storefront's purchases count only through a trusted path).
	AnonymousPurchases bool

	ExposureTTL time.Duration // how long an impression's items stay in the exposure history

	// StoreTimeout bounds the store's answer to a request's events; past
	// it the store counts as unreachable and the events are buffered.
	StoreTimeout time.Duration
	// BufferPath is the file of the degraded-mode buffer (Open; New keeps
	// the buffer in memory). BufferSize and BufferBytes bound it: while it
	// is full, Ingest refuses events with models.EUNAVAILABLE.
	BufferPath  string
	BufferSize  int           // events
	BufferBytes int64         // bytes of the file
	RetryEvery  time.Duration // how often Run replays the buffer
	SweepEvery  time.Duration // how often Run sweeps expired data (the embedded store)

	// Observe, when set, is called with the valid events of every Ingest
	// call, applied or buffered (Guard.Observe: the recent behaviour
	// recommendations read from memory while the store fails).
	Observe func([]models.Event)
	// OnSearch, when set, is called for every counted search (suggest's
	// query log).
	OnSearch func(query string, results int, at time.Time)
	// Logf logs store failures; nil for none.
	Logf func(format string, args ...any)
	Now  func() time.Time // time.Now when nil
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxBatch: 500, MaxPast: 72 * time.Hour, MaxFuture: 5 * time.Minute,
		MaxIDBytes: 128, MaxImpressionItems: 100, MaxQueryRunes: 200, MaxQuantity: 10_000, MaxAmount: 10_000_000,
		Window: time.Hour, ActorDailyCap: 1_000, IPDailyCap: 20_000, ActorDailyUnits: 10_000, IPDailyUnits: 200_000,
		IDTTL:       76 * time.Hour,
		ExposureTTL: 24 * time.Hour, StoreTimeout: 500 * time.Millisecond,
		BufferSize: 100_000, BufferBytes: 64 << 20, RetryEvery: time.Second, SweepEvery: time.Hour,
		Now: time.Now,
	}
}

func (c *Config) defaults() {
	d := DefaultConfig()
	for _, f := range []struct{ v, d *int }{{&c.MaxBatch, &d.MaxBatch}, {&c.MaxIDBytes, &d.MaxIDBytes},
		{&c.MaxImpressionItems, &d.MaxImpressionItems}, {&c.MaxQueryRunes, &d.MaxQueryRunes}, {&c.MaxQuantity, &d.MaxQuantity},
		{&c.ActorDailyCap, &d.ActorDailyCap}, {&c.IPDailyCap, &d.IPDailyCap}, {&c.BufferSize, &d.BufferSize},
		{&c.ActorDailyUnits, &d.ActorDailyUnits}, {&c.IPDailyUnits, &d.IPDailyUnits}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *time.Duration }{{&c.MaxPast, &d.MaxPast}, {&c.MaxFuture, &d.MaxFuture},
		{&c.Window, &d.Window}, {&c.ExposureTTL, &d.ExposureTTL}, {&c.StoreTimeout, &d.StoreTimeout}, {&c.RetryEvery, &d.RetryEvery}, {&c.SweepEvery, &d.SweepEvery}, {&c.IDTTL, &d.IDTTL}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	if c.BufferBytes <= 0 {
		c.BufferBytes = d.BufferBytes
	}
	if c.MaxAmount <= 0 {
		c.MaxAmount = d.MaxAmount
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Result is what one Ingest call did.
type Result struct {
	Accepted int         `json:"accepted"` // valid events, applied (or buffered)
	Rejected []Rejection `json:"rejected"` // invalid events, not applied; never nil
	// Buffered: the store is unreachable, so the accepted events wait in
	// the local buffer and are applied when it is back.
	Buffered bool `json:"buffered,omitempty"`
}

// Rejection is an invalid event and why.
type Rejection struct {
	Index   int    `json:"index"` // in the batch, from 0
	Code    string `json:"code"`  // models.EINVALID
	Message string `json:"message"`
}

// Counters are the ingester's running totals since it started.
type Counters struct {
	Received      int64 `json:"received"`       // events in requests
	Rejected      int64 `json:"rejected"`       // invalid
	Accepted      int64 `json:"accepted"`       // valid
	Counted       int64 `json:"counted"`        // into the statistics
	DroppedRepeat int64 `json:"dropped_repeat"` // fraud rules: a repeat of the same actor or IP within the window
	DroppedCap    int64 `json:"dropped_cap"`    // fraud rules: over the actor's or IP's daily cap
	DroppedUnseen int64 `json:"dropped_unseen"` // clicks on items the actor was not shown: not click-throughs
	// DroppedUntrusted: anonymous purchases, kept in the shopper's recent
	// behaviour but not counted (sales come from trusted sources only).
	DroppedUntrusted int64 `json:"dropped_untrusted"`
	Duplicates       int64 `json:"duplicates"`     // events whose event id was applied before: skipped whole
	Buffered         int64 `json:"buffered"`       // waiting in the buffer now
	BufferRefused    int64 `json:"buffer_refused"` // refused with 503: the buffer was full
	Replayed         int64 `json:"replayed"`       // applied from the buffer
	Degraded         bool  `json:"degraded"`       // the store is unreachable
}

// Ingester takes in events. It is safe for concurrent use.
type Ingester struct {
	cfg Config
	st  Store

	buf      *spool     // the degraded-mode buffer
	replayMu sync.Mutex // one replay at a time
	idPrefix string     // of the ids given to buffered events without one

	mu       sync.Mutex
	degraded bool
	kick     chan struct{} // wakes Run

	received, rejected, accepted, counted, repeat, capped, unseen, untrusted, dups, bufRefused, replayed, bufSeq atomic.Int64
}

// New returns an ingester writing to st, its buffer in memory (whatever
// cfg.BufferPath says); zero fields of cfg take their defaults.
func New(cfg Config, st Store) *Ingester {
	cfg.defaults()
	buf, _ := openSpool("", cfg.BufferSize, cfg.BufferBytes) // (cannot fail without a file)
	return newIngester(cfg, st, buf)
}

// Open returns an ingester writing to st with its buffer in the file
// cfg.BufferPath (created if need be), whose events — acknowledged while
// the store was unreachable, before a crash or a restart — it replays
// first. Close closes the file.
func Open(cfg Config, st Store) (*Ingester, error) {
	cfg.defaults()
	buf, err := openSpool(cfg.BufferPath, cfg.BufferSize, cfg.BufferBytes)
	if err != nil {
		return nil, err
	}
	in := newIngester(cfg, st, buf)
	if n := buf.len(); n > 0 {
		in.cfg.Logf("events: %d events in the buffer %s from before; replaying them", n, cfg.BufferPath)
	}
	return in, nil
}

func newIngester(cfg Config, st Store, buf *spool) *Ingester {
	var r [8]byte
	rand.Read(r[:])
	return &Ingester{cfg: cfg, st: st, buf: buf, kick: make(chan struct{}, 1),
		idPrefix: genIDMark + hex.EncodeToString(r[:]) + "-"}
}

// Close closes the buffer's file (the events in it stay for the next Open).
func (in *Ingester) Close() error { return in.buf.close() }

// genIDMark starts the ids the ingester gives buffered events: a control
// character, which the ids of clients cannot have.
const genIDMark = "\x1e"

// Ingest takes in anonymous events (the storefront's): it validates every
// event, applies the valid ones and reports the invalid ones by index.
// Only a batch over MaxBatch (models.ETOOLARGE), a full buffer while the
// store is unreachable (models.EUNAVAILABLE; none was taken) or a failure
// of the store other than being unreachable (then none was applied, or the
// error says so) is an error; while the store is unreachable the valid
// events go to the buffer (Result.Buffered). ip is the client's address,
// for the fraud rules ("" for none).
//
// Anonymous events count under the fraud rules, and their purchases not at
// all (see doc/events.md, Trust).
func (in *Ingester) Ingest(ctx context.Context, evs []models.Event, ip string) (Result, error) {
	return in.ingest(ctx, evs, ip, false)
}

// IngestTrusted takes in events from an authenticated source (the admin
// token, an order system's signature) as Ingest does: they count without
// the fraud rules, purchases included, once per event id (which a
// purchase must have).
func (in *Ingester) IngestTrusted(ctx context.Context, evs []models.Event) (Result, error) {
	return in.ingest(ctx, evs, "", true)
}

func (in *Ingester) ingest(ctx context.Context, evs []models.Event, ip string, trusted bool) (Result, error) {
	if len(evs) > in.cfg.MaxBatch {
		return Result{}, models.Errorf(models.ETOOLARGE, "%d events in one batch; the limit is %d", len(evs), in.cfg.MaxBatch)
	}
	in.received.Add(int64(len(evs)))
	res := Result{Rejected: []Rejection{}}
	now := in.cfg.Now()
	valid := make([]models.Event, 0, len(evs))
	for i := range evs {
		e := evs[i]
		e.IP, e.Trusted = ip, trusted
		err := in.validate(&e, now)
		if err == nil && trusted && e.Type == models.EventPurchase && e.EventID == "" {
			err = models.Errorf(models.EINVALID, "event_id: a trusted purchase needs one (the order line's id), so that a resent order counts once")
		}
		if err != nil {
			res.Rejected = append(res.Rejected, Rejection{Index: i, Code: models.ErrorCode(err), Message: models.ErrorMessage(err)})
			continue
		}
		valid = append(valid, e)
	}
	in.rejected.Add(int64(len(res.Rejected)))
	in.accepted.Add(int64(len(valid)))
	res.Accepted = len(valid)
	if len(valid) == 0 {
		return res, nil
	}
	if in.cfg.Observe != nil {
		in.cfg.Observe(valid)
	}
	if in.buffering() {
		if err := in.buffer(valid); err != nil {
			in.accepted.Add(-int64(len(valid)))
			return Result{}, err
		}
		res.Buffered = true
		return res, nil
	}
	// Accepted events are applied even if the client goes away meanwhile.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.cfg.StoreTimeout)
	err := in.apply(actx, valid)
	cancel()
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", models.Errorf(models.EUNAVAILABLE, "the behaviour store did not answer within %v", in.cfg.StoreTimeout), err)
	}
	if err != nil {
		if models.ErrorCode(err) != models.EUNAVAILABLE {
			in.accepted.Add(-int64(len(valid)))
			return Result{}, err
		}
		if !in.isDegraded() {
			in.cfg.Logf("events: %v; buffering events until it is back", err)
		}
		in.setDegraded(true)
		if err := in.buffer(valid); err != nil {
			in.accepted.Add(-int64(len(valid)))
			return Result{}, err
		}
		res.Buffered = true
	}
	return res, nil
}

// Apply applies events that Validate accepted, as Ingest does but without
// its batch limit and never buffering: for loaders of recorded behaviour.
func (in *Ingester) Apply(ctx context.Context, evs []models.Event) error {
	in.received.Add(int64(len(evs)))
	in.accepted.Add(int64(len(evs)))
	return in.apply(ctx, evs)
}

// ApplyParallel applies events that Validate accepted as Apply does,
// split by actor over workers applying their parts at once (each actor's
// events stay in order, in one part), so that building one pipeline
// overlaps the store executing another.
func ApplyParallel(ctx context.Context, in *Ingester, evs []models.Event, workers int) error {
	if workers <= 1 || len(evs) < 2*workers {
		return in.Apply(ctx, evs)
	}
	parts := make([][]models.Event, workers)
	for _, e := range evs {
		h := fnv.New32a()
		h.Write([]byte(Actor(&e)))
		w := int(h.Sum32() % uint32(workers))
		parts[w] = append(parts[w], e)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w, part := range parts {
		wg.Go(func() { errs[w] = in.Apply(ctx, part) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Validate checks one event as Ingest would, filling in its defaults.
func (in *Ingester) Validate(e *models.Event) error { return in.validate(e, in.cfg.Now()) }

func (in *Ingester) buffering() bool { return in.isDegraded() || in.buf.len() > 0 }

func (in *Ingester) isDegraded() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.degraded
}

func (in *Ingester) setDegraded(v bool) {
	in.mu.Lock()
	in.degraded = v
	in.mu.Unlock()
}

// buffer appends evs to the buffer — each with an id, so that a replay
// counts it once — or refuses them all, and wakes Run.
func (in *Ingester) buffer(evs []models.Event) error {
	for i := range evs {
		if evs[i].EventID == "" {
			evs[i].EventID = in.idPrefix + strconv.FormatInt(in.bufSeq.Add(1), 36)
		}
	}
	if err := in.buf.add(evs); err != nil {
		if models.ErrorCode(err) == models.EUNAVAILABLE {
			in.bufRefused.Add(int64(len(evs)))
		}
		return err
	}
	select {
	case in.kick <- struct{}{}:
	default:
	}
	return nil
}

// Run replays the buffer every RetryEvery while it holds events and sweeps
// expired data every SweepEvery, until ctx ends.
func (in *Ingester) Run(ctx context.Context) {
	retry := time.NewTicker(in.cfg.RetryEvery)
	defer retry.Stop()
	sweep := time.NewTicker(in.cfg.SweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if err := in.st.SweepBehavior(ctx, in.cfg.Now()); err != nil {
				in.cfg.Logf("events: sweep: %v", err)
			}
		case <-retry.C:
			in.Replay(ctx)
		case <-in.kick:
			// a first failure: wait for the next tick
		}
	}
}

// replayTimeout bounds a replayed batch's writes: longer than a request's
// StoreTimeout, as no request waits for it and a batch cut short may leave
// its fraud claims taken (its anonymous units would then count as repeats).
const replayTimeout = 5 * time.Second

// Replay applies the buffered events, oldest first, until the buffer is
// empty (then its file is truncated) or the store fails; it reports
// whether the buffer is empty. Events applied before — a replay cut short
// by a crash — are skipped by their ids.
func (in *Ingester) Replay(ctx context.Context) bool {
	in.replayMu.Lock()
	defer in.replayMu.Unlock()
	for {
		chunk, start := in.buf.peek(in.cfg.MaxBatch)
		if len(chunk) == 0 {
			if in.isDegraded() {
				in.cfg.Logf("events: the behaviour store is back; the buffer is replayed")
			}
			in.setDegraded(false)
			return true
		}
		actx, cancel := context.WithTimeout(ctx, replayTimeout)
		err := in.apply(actx, chunk)
		cancel()
		if err != nil {
			in.setDegraded(true)
			return false
		}
		in.replayed.Add(int64(len(chunk)))
		if err := in.buf.done(start, len(chunk)); err != nil {
			in.cfg.Logf("%v", err) // the next replay skips what was applied
		}
	}
}

// Counters returns the running totals.
func (in *Ingester) Counters() Counters {
	return Counters{
		Received: in.received.Load(), Rejected: in.rejected.Load(), Accepted: in.accepted.Load(),
		Counted: in.counted.Load(), DroppedRepeat: in.repeat.Load(), DroppedCap: in.capped.Load(), DroppedUnseen: in.unseen.Load(),
		DroppedUntrusted: in.untrusted.Load(), Duplicates: in.dups.Load(),
		Buffered: int64(in.buf.len()), BufferRefused: in.bufRefused.Load(), Replayed: in.replayed.Load(), Degraded: in.isDegraded(),
	}
}

// Actor is the key of an event's shopper: "u:" and the user id, or "s:"
// and the session id.
func Actor(e *models.Event) string {
	if e.UserID != "" {
		return "u:" + e.UserID
	}
	return "s:" + e.SessionID
}

// SlotKey is the exposure history's slot of an impression: scene/slot.
func SlotKey(scene, slot string) string { return scene + "/" + slot }

func window(t time.Time, w time.Duration) string {
	return strconv.FormatInt(t.UnixNano()/int64(w), 10)
}
