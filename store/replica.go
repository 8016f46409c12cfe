package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
	"shopsearch/publish"
)

// PositionFile is the name of the stream position file in a generation
// directory: the id of the last stream entry the generation holds.
const PositionFile = "stream.position"

// Applier applies one entry's payload to this replica and returns its
// outcome for the writer. An error with a domain code (models.EINVALID,
// ENOTFOUND, ECONFLICT, ETOOLARGE) is the entry's outcome, the same on
// every replica: the entry counts as applied. Any other error means the
// replica could not apply it (a full disk): the replica retries the entry
// and reads no further until it applies, and its Health says so.
type Applier func(ctx context.Context, data []byte) (any, error)

// ReplicaConfig tunes a Replica; zero fields take the defaults.
type ReplicaConfig struct {
	// PositionFile keeps the id of the last entry applied, written (with
	// fsync) after every batch: the replica resumes after it. Kept with the
	// index it describes (the generation directory). "" keeps it in
	// memory only (tests).
	PositionFile string
	Batch        int64         // entries read at a time; 256
	Block        time.Duration // how long one read waits for entries; 1 s
	Retry        time.Duration // the pause after a failed read or apply; 500 ms
	// ApplyWait is how long Write waits for this replica to apply the
	// entry it appended; 10 s.
	ApplyWait time.Duration
	Logf      func(format string, args ...any) // nil: silent
}

func (c *ReplicaConfig) defaults() {
	if c.Batch <= 0 {
		c.Batch = 256
	}
	if c.Block <= 0 {
		c.Block = time.Second
	}
	if c.Retry <= 0 {
		c.Retry = 500 * time.Millisecond
	}
	if c.ApplyWait <= 0 {
		c.ApplyWait = 10 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Replica consumes the write stream in order and applies every entry to
// this process, its own writes included: a write is appended to the stream
// first (Write) and applied here when the consumer reaches it, exactly as
// on every other replica, so that all apply the same writes in the same
// order. Write answers once this replica has applied the entry
// (read-your-writes on the replica that took it); the others apply it as
// soon as their blocking read returns it. Re-applying an entry after a
// crash between applying and saving the position must be harmless: every
// kind's applier sets state (upsert, delete, set fields), none adds to it.
type Replica struct {
	st       *Stream
	cfg      ReplicaConfig
	handlers map[string]Applier
	self     string // this process's writer token prefix

	mu      sync.Mutex
	pos     Position                // the last entry applied
	waiters map[string]chan outcome // by writer token
	seq     atomic.Uint64

	state   atomic.Pointer[string] // what Health says; "" when consuming fine
	gap     atomic.Pointer[Gap]    // set once a gap was found; kept until restarted on a fresh index
	applied atomic.Int64           // entries applied since start
}

type outcome struct {
	v   any
	err error
}

// NewReplica returns a consumer of st that resumes after the position in
// cfg.PositionFile (from the start of the stream when there is none).
// Register the appliers (Handle) before Run.
func NewReplica(st *Stream, cfg ReplicaConfig) (*Replica, error) {
	cfg.defaults()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	r := &Replica{st: st, cfg: cfg, handlers: map[string]Applier{}, self: hex.EncodeToString(b[:]),
		waiters: map[string]chan outcome{}}
	if cfg.PositionFile != "" {
		data, err := os.ReadFile(cfg.PositionFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("store: read the stream position: %w", err)
		default:
			pos, err := parsePosition(string(data))
			if err != nil {
				return nil, fmt.Errorf("store: stream position %s: %w", cfg.PositionFile, err)
			}
			r.pos = pos
		}
	}
	waiting := "not yet caught up with " + st.String()
	r.state.Store(&waiting)
	return r, nil
}

// Handle registers the applier of kind. Call it before Run.
func (r *Replica) Handle(kind string, fn Applier) { r.handlers[kind] = fn }

// Position returns where the replica stands: the last entry applied.
func (r *Replica) Position() Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// Applied returns how many entries this replica applied since it started.
func (r *Replica) Applied() int64 { return r.applied.Load() }

// Health is "" while the replica consumes the stream normally, else what is
// wrong: not caught up yet, Redis unreachable, an entry it cannot apply, or
// a gap (the stream was trimmed past its position), which stays until the
// replica is restarted on a fresh index.
func (r *Replica) Health() string {
	var parts []string
	if g := r.gap.Load(); g != nil {
		parts = append(parts, g.Error()+": reload this replica from a fresh generation (doc/operations.md, \"Replicas on one Redis\")")
	}
	if s := r.state.Load(); s != nil && *s != "" {
		parts = append(parts, *s)
	}
	return strings.Join(parts, "; ")
}

// Gap returns the gap found at start or since, nil when none.
func (r *Replica) Gap() *Gap { return r.gap.Load() }

// Write appends a write of kind to the stream and waits until this replica
// has applied it, returning the applier's outcome. The error has code
// models.EUNAVAILABLE when Redis is unreachable (nothing was written), or
// when the write is in the stream but this replica did not apply it within
// ApplyWait (every replica will; retrying is harmless).
func (r *Replica) Write(ctx context.Context, kind string, data []byte) (any, error) {
	if _, ok := r.handlers[kind]; !ok {
		return nil, fmt.Errorf("store: no applier for writes of kind %q", kind)
	}
	token := r.self + "-" + strconv.FormatUint(r.seq.Add(1), 10)
	ch := make(chan outcome, 1)
	r.mu.Lock()
	r.waiters[token] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.waiters, token)
		r.mu.Unlock()
	}()
	id, err := r.st.Append(ctx, kind, data, token)
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(r.cfg.ApplyWait)
	defer t.Stop()
	select {
	case o := <-ch:
		return o.v, o.err
	case <-t.C:
		return nil, models.Errorf(models.EUNAVAILABLE, "the write is in the replication stream (id %s) and every replica will apply it, "+
			"but this one has not within %v (%s); retrying it is harmless", id, r.cfg.ApplyWait, r.Health())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CatchUp applies every entry in the stream now, and returns when there is
// none left or ctx ends. serve calls it before it answers, so that a
// restarted replica does not serve what it missed.
func (r *Replica) CatchUp(ctx context.Context) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	for ctx.Err() == nil {
		n, err := r.step(ctx, 0)
		if err != nil {
			return err
		}
		if n == 0 {
			r.setState("")
			return r.savePosition()
		}
	}
	return ctx.Err()
}

// Run consumes the stream until ctx ends: a blocking read, then the
// entries applied in order and the position saved. It retries after
// failures and says what failed in Health.
func (r *Replica) Run(ctx context.Context) {
	checked := false
	for ctx.Err() == nil {
		if !checked {
			if err := r.check(ctx); err != nil {
				r.setState(fmt.Sprintf("%s: %v", r.st, err))
				r.pause(ctx)
				continue
			}
			checked = true
		}
		n, err := r.step(ctx, r.cfg.Block)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			r.setState(err.Error())
			if models.ErrorCode(err) == models.EUNAVAILABLE {
				checked = false // Redis may come back without the stream
			}
			r.pause(ctx)
			continue
		}
		r.setState("")
		if n > 0 {
			if err := r.savePosition(); err != nil {
				r.setState(err.Error())
				r.cfg.Logf("replication: %v", err)
			}
		}
	}
	if err := r.savePosition(); err != nil {
		r.cfg.Logf("replication: %v", err)
	}
}

// check looks for a gap at the current position and records it.
func (r *Replica) check(ctx context.Context) error {
	err := r.st.Check(ctx, r.Position())
	var g *Gap
	if errors.As(err, &g) {
		if r.gap.Load() == nil {
			r.cfg.Logf("replication: %v: this replica goes on from the first entry kept, but it should be reloaded from a fresh generation", g)
		}
		r.gap.Store(g)
		return nil
	}
	return err
}

func (r *Replica) setState(s string) { r.state.Store(&s) }

func (r *Replica) pause(ctx context.Context) {
	t := time.NewTimer(r.cfg.Retry)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// step reads one batch after the position and applies it; it returns how
// many entries it applied. An entry that cannot be applied stops the batch
// there, with the position after the last one applied.
func (r *Replica) step(ctx context.Context, block time.Duration) (int, error) {
	es, err := r.st.Read(ctx, r.Position().String(), r.cfg.Batch, block)
	if err != nil {
		return 0, err
	}
	for i, e := range es {
		v, err := r.apply(ctx, e)
		if err != nil && !domainError(err) {
			return i, fmt.Errorf("replication: entry %s (%s) cannot be applied here; retrying, reading no further: %w", e.ID, e.Kind, err)
		}
		r.mu.Lock()
		r.pos = Position{ID: e.ID, N: e.N}
		ch := r.waiters[e.Token]
		r.mu.Unlock()
		r.applied.Add(1)
		if ch != nil {
			ch <- outcome{v, err}
		}
	}
	return len(es), nil
}

func (r *Replica) apply(ctx context.Context, e StreamEntry) (any, error) {
	fn, ok := r.handlers[e.Kind]
	if !ok {
		// A newer replica's kind of write: skipping it is all an older
		// one can do; say so once per entry.
		r.cfg.Logf("replication: entry %s has kind %q, which this version does not know; skipped", e.ID, e.Kind)
		return nil, nil
	}
	return fn(ctx, e.Data)
}

// domainError reports whether err is an entry's own outcome rather than a
// failure to apply it.
func domainError(err error) bool {
	switch models.ErrorCode(err) {
	case models.EINVALID, models.ENOTFOUND, models.ECONFLICT, models.ETOOLARGE:
		return true
	}
	return false
}

// savePosition writes the position file (atomically, fsynced).
func (r *Replica) savePosition() error {
	if r.cfg.PositionFile == "" {
		return nil
	}
	if err := r.SavePositionTo(r.cfg.PositionFile); err != nil {
		return fmt.Errorf("replication: save the stream position: %w", err)
	}
	return nil
}

// SavePositionTo writes the current position into path: a generation built
// by this replica holds every write it applied up to there.
func (r *Replica) SavePositionTo(path string) error {
	return publish.Bytes(path, []byte(r.EncodedPosition()))
}

// EncodedPosition is the position as a position file holds it.
func (r *Replica) EncodedPosition() string {
	p := r.Position()
	return fmt.Sprintf("%s %d\n", p, p.N)
}

// parsePosition reads a position file: "id number".
func parsePosition(s string) (Position, error) {
	id, n, ok := strings.Cut(strings.TrimSpace(s), " ")
	num, err := strconv.ParseUint(n, 10, 64)
	if _, _, idOK := parseID(id); !ok || !idOK || err != nil {
		return Position{}, fmt.Errorf("%q is not a stream position (\"ID NUMBER\")", s)
	}
	if num == 0 {
		return Position{}, nil
	}
	return Position{ID: id, N: num}, nil
}

func parseID(id string) (uint64, uint64, bool) {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, false
	}
	m, err1 := strconv.ParseUint(ms, 10, 64)
	s, err2 := strconv.ParseUint(seq, 10, 64)
	return m, s, err1 == nil && err2 == nil
}
