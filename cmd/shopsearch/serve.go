package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/recall"
	"shopsearch/server"
	"shopsearch/store"
	"shopsearch/store/events"
)

// defaultResultTTL is how long serve (and bench) reuse a search response:
// within the second that stock and price may lag by.
const defaultResultTTL = 500 * time.Millisecond

// tokenEnv is the environment variable --admin-token defaults to.
const tokenEnv = "SHOPSEARCH_ADMIN_TOKEN"

// orderKeyEnv is the environment variable --order-key defaults to.
const orderKeyEnv = "SHOPSEARCH_ORDER_KEY"

// redisEnv is the environment variable --redis defaults to.
const redisEnv = "SHOPSEARCH_REDIS"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultServeConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory; the demo catalog is built there when it has none")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on, HOST:PORT")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "bearer token for the write endpoints (default $"+tokenEnv+"; writes are refused without one)")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the demo catalog's synthetic prices, stock and sales")
	fs.StringVar(&cfg.Redis, "redis", "", "URL of a Redis, redis://HOST:PORT/DB, to keep the profiles, rules and shopper behaviour in and share them with other replicas (default $"+redisEnv+"; without one they are kept in DATA/"+stateFile+" and DATA/"+behaviorFile+"); while it does not answer, serve starts degraded and loads from it once it does")
	fs.Func("trusted-proxy", "address or CIDR of a reverse proxy in front of serve, whose X-Forwarded-For names the shopper for the events' rate limit and fraud rules (repeatable, or comma-separated)", func(v string) error {
		cfg.TrustedProxies = append(cfg.TrustedProxies, strings.Split(v, ",")...)
		return nil
	})
	fs.StringVar(&cfg.OrderKey, "order-key", "", "secret the order system signs its purchase events with (X-Shopsearch-Signature, HMAC-SHA256; default $"+orderKeyEnv+"; without one only the admin token posts trusted events); see doc/events.md")
	recFlags(fs, &cfg) // recommend.go
	fs.Int64Var(&cfg.StreamMaxLen, "stream-maxlen", store.DefaultStreamMaxLen, "with --redis, about how many catalog and configuration writes the replication stream keeps: a replica down for more writes than that must be reloaded from a fresh generation (doc/operations.md)")
	fs.StringVar(&cfg.Shelf, "shelf", "", "with --redis, a directory all replicas share where a catalog upload's generation is shipped and from which every replica pulls the latest one (doc/operations.md)")
	fs.DurationVar(&cfg.ResultTTL, "result-cache-ttl", cfg.ResultTTL, "how long a search response is served again to the same request (text, rule and profile changes show at once; stock and price may lag by this much); 0 turns it off")
	fs.IntVar(&cfg.MaxMatches, "max-matches", 0, "a filtered or business-ordered search whose rarest word is in at most this many items is exact over every match: filters, total, facets and order (default 30,000; -1: never)")
	fs.IntVar(&cfg.MaxCandidates, "max-candidates", 0, "above --max-matches, the text matches a filtered or business-ordered search ranks: the best by text score (default 10,000)")
	fs.Func("compact-at", "change-log size that starts a compaction into the product snapshot, such as 64MiB (the default)", func(v string) error {
		n, err := parseBytes(v)
		cfg.Compact.MinBytes = n
		return err
	})
	logFormat := fs.String("log-format", "text", "format of the log lines on the standard error: text (key=value) or json")
	var memLimit memoryLimitFlag
	fs.Var(&memLimit, "memory-limit", "soft limit on the Go runtime's memory, such as 1.5GiB (default: none, or $GOMEMLIMIT); the collector works harder near it to keep RSS under it")
	err := fs.Parse(args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	memLimit.apply()
	if cfg.Logger, err = newLogger(*logFormat, stderr); err != nil {
		return err
	}
	if cfg.AdminToken == "" {
		cfg.AdminToken = os.Getenv(tokenEnv)
	}
	if cfg.Redis == "" {
		cfg.Redis = os.Getenv(redisEnv)
	}
	if cfg.OrderKey == "" {
		cfg.OrderKey = os.Getenv(orderKeyEnv)
	}
	if cfg.Redis != "" {
		quietRedisLog()
	} else if cfg.Shelf != "" {
		return fmt.Errorf("serve: --shelf ships generations to the replicas of one Redis; give --redis too")
	}
	cfg.Stdout, cfg.Stderr, cfg.AccessLog = stdout, stderr, true

	m := NewMain(cfg)
	if err := m.Run(ctx); err != nil {
		return err
	}
	<-m.Done()
	return m.Close()
}

// ServeConfig is what serve needs; DefaultServeConfig has the defaults.
type ServeConfig struct {
	DataDir    string
	Addr       string
	AdminToken string
	// OrderKey is the order system's signing secret for trusted events
	// (server.EventsConfig.OrderKey); "" for none.
	OrderKey string
	Seed     int64 // of the demo catalog's synthetic fields
	// Now is the one clock of the service (time.Now when nil): the demo's
	// synthetic listing dates, search (rule windows, item age), the
	// server, the behaviour store, the event intake and its statistics,
	// and suggest all read it, so a test fixes time once.
	Now func() time.Time
	// Redis is the URL of the store of profiles and rules that replicas
	// share; "" keeps them in DataDir/state.db.
	Redis string
	// StreamMaxLen is about how many entries the replication stream keeps
	// (with Redis; 0: store.DefaultStreamMaxLen).
	StreamMaxLen int64
	// Shelf is the directory generations are shipped to and pulled from
	// (with Redis; "": none; serve_ship.go).
	Shelf string
	// Events and EventStats configure the shopper events' intake and
	// statistics (zero fields: their defaults); the behaviour store is
	// Redis, or DataDir/behavior.db without it.
	Events     events.Config
	EventStats events.StatsConfig
	// Compact says when the change log is folded into the product
	// snapshot (zero fields: query.DefaultCompactConfig).
	Compact query.CompactConfig
	// BehaviorGuard configures the deadlines and the breaker of the
	// recommendations' reads of a Redis behaviour store (zero fields:
	// their defaults).
	BehaviorGuard events.GuardConfig
	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives
	// the shopper's address to the event intake (server.EventsConfig).
	TrustedProxies []string

	Stdout io.Writer // status lines; io.Discard when nil
	Stderr io.Writer // build progress and errors; io.Discard when nil
	// Logger gets the access lines (one per request when AccessLog is
	// set), errors and the background jobs' reports; nil: text lines on
	// Stderr.
	Logger    *slog.Logger
	AccessLog bool

	ShutdownTimeout time.Duration // for requests in flight to finish
	// ResultTTL is how long a search response is served again to the
	// same request (query.ResultCacheConfig); < 0 turns that off.
	ResultTTL time.Duration
	// MaxCandidates overrides query.Config.MaxCandidates: how many text
	// matches a filtered or business-ordered search hands phase 2 (0: the
	// engine's 10,000).
	MaxCandidates int
	// MaxMatches overrides query.Config.MaxMatches: a filtered or
	// business-ordered search whose rarest word is in at most this many
	// items is exact over every match (0: the engine's 30,000; negative:
	// never).
	MaxMatches int

	// Recommendation models (recommend.go): ModelPoll is how often the
	// model files are checked for a new version (0: 10 s; negative:
	// never); CTRRetrain and RecallRetrain how often serve retrains the CTR
	// model on its sample log and the recall model on RecallBehavior and/or
	// RecallSessions and, with RecallFromStore, the behaviour store's events
	// (0: never). NoSampleLog turns the CTR sample log off.
	ModelPoll, CTRRetrain, RecallRetrain time.Duration
	RecallBehavior, RecallSessions       string
	NoSampleLog, RecallFromStore         bool
}

// DefaultServeConfig returns the defaults of serve.
func DefaultServeConfig() ServeConfig {
	return ServeConfig{DataDir: "data", Addr: ":8080", Seed: 42, ShutdownTimeout: 5 * time.Second, ResultTTL: defaultResultTTL}
}

// Main is the serve command without the process around it: runServe and the
// end-to-end tests run it the same way.
type Main struct {
	cfg    ServeConfig
	engine *query.Engine
	state  io.Closer     // the store of profiles and rules, and its poller (merch.go)
	lex    *lexiconState // the lexicon manager and its poller (lexicon.go)
	events *eventsState  // the behaviour store, the ingester and the statistics
	// stopCompactor stops the change log's compactor and waits for it
	// (compact.go); nil until it starts.
	stopCompactor func()
	lock          *indexer.DirLock // serve owns DATA while it runs (indexer.LockDir)
	ln            net.Listener
	http          *http.Server
	rec           *recall.Service // the recommendation service (recommend.go)
	// The slot pins and the sensitive categories the service reads, which
	// replication reloads when another replica saved them.
	pins      *server.SlotPins
	sensitive *server.SensitiveList
	repl      *replState // the replication stream's consumer, with Redis (serve_stream.go)

	stopped  chan struct{} // closed when Serve returns
	serveErr error         // set before stopped is closed
	done     chan struct{} // closed when Close has finished
	once     sync.Once
	closeErr error
}

// NewMain returns a Main; zero fields of cfg take their defaults.
func NewMain(cfg ServeConfig) *Main {
	def := DefaultServeConfig()
	if cfg.DataDir == "" {
		cfg.DataDir = def.DataDir
	}
	if cfg.Addr == "" {
		cfg.Addr = def.Addr
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = def.ShutdownTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(cfg.Stderr, nil))
	}
	return &Main{cfg: cfg, stopped: make(chan struct{}), done: make(chan struct{})}
}

// Run makes sure the data directory has a catalog (building the demo one
// when it has none), opens it and starts serving. It returns once the
// server listens; the server shuts down gracefully when ctx is cancelled
// or Close is called, and Done is closed when it has.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	// Listen first, so that a taken port fails before a demo build.
	m.ln, err = net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Own the data directory before reading it: an index run on it now
	// would publish a generation under the one opened and lose the writes
	// acknowledged after (README "Your own catalog").
	// The holder's address lets `index` hand its build over (index.go).
	if m.lock, err = indexer.LockDir(m.cfg.DataDir, "serve at "+localURL(m.ln.Addr())); err != nil {
		if errors.Is(err, indexer.ErrLocked) {
			return fmt.Errorf("serve: %w; wait for it to finish or stop it", err)
		}
		return err
	}
	if m.cfg.Shelf != "" {
		if err := m.pullAtStart(ctx); err != nil { // serve_ship.go
			return err
		}
	}
	if !indexer.Exists(m.cfg.DataDir) {
		if err := m.buildDemo(); err != nil {
			return err
		}
	}
	// The store of profiles, rules and the lexicon first: the lexicon is
	// loaded before the catalog is opened, since opening replays the change
	// log's upserts into the index with it.
	ms, err := m.openState(ctx) // merch.go; serve_redis.go when Redis does not answer
	if err != nil {
		return fmt.Errorf("open profiles and rules: %w", err)
	}
	m.state = ms
	an := dict.Default() // the engine's analyzer, whose lexicon the lexicon manager swaps
	loadedLex, err := server.PreloadLexicon(ms.st, an)
	if err != nil {
		return fmt.Errorf("load the lexicon: %w", err)
	}
	var sc suggestCatalog
	qc := query.DefaultConfig()
	qc.Results.TTL = m.cfg.ResultTTL
	qc.Now = m.cfg.Now
	if m.cfg.MaxCandidates > 0 {
		qc.MaxCandidates = m.cfg.MaxCandidates
	}
	if m.cfg.MaxMatches != 0 {
		qc.MaxMatches = max(m.cfg.MaxMatches, 0)
	}
	m.engine, sc, err = openEngine(m.cfg.DataDir, an, qc)
	if err != nil {
		return fmt.Errorf("open catalog in %s: %w", m.cfg.DataDir, err)
	}
	m.startCompactor()
	if err := openMerch(m.cfg, ms, m.engine, an); err != nil {
		return fmt.Errorf("open profiles and rules: %w", err)
	}
	if m.lex, err = m.startLexicon(loadedLex); err != nil {
		return fmt.Errorf("start the lexicon: %w", err)
	}
	// The behaviour store before suggest, whose builds and lookups read it.
	if m.events, err = m.startEvents(ctx); err != nil {
		return fmt.Errorf("open the behaviour store: %w", err)
	}
	sg, err := m.startSuggest(ctx, sc)
	if err != nil {
		return fmt.Errorf("start suggest: %w", err)
	}
	api := server.NewWithSuggest(server.Config{AdminToken: m.cfg.AdminToken, Logger: m.cfg.Logger, AccessLog: m.cfg.AccessLog, Now: m.cfg.Now}, m.engine, sg)
	if _, err := api.WithEvents(m.events.svc, server.EventsConfig{TrustedProxies: m.cfg.TrustedProxies, OrderKey: []byte(m.cfg.OrderKey)}); err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	rd, err := m.recommendDeps() // recommend.go
	if err != nil {
		return fmt.Errorf("recommendations: %w", err)
	}
	api.WithRecommend(rd)
	api.WithLexicon(m.lex.l)
	if m.cfg.Redis != "" {
		if m.repl, err = m.startReplication(ctx, api, sg, ms.start == nil); err != nil {
			return err
		}
	}
	if ms.start != nil {
		// Put together from the local copy; from now on the pollers and
		// every read and write go to Redis (serve_redis.go).
		api.WithHealthCheck("redis", ms.start.health)
		ms.start.Open()
	}
	m.http = &http.Server{
		Handler:           server.ObserveSearches(api.Handler(), sg, m.cfg.Now),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	go func() {
		if err := m.http.Serve(m.ln); !errors.Is(err, http.ErrServerClosed) {
			m.serveErr = err
		}
		close(m.stopped)
	}()
	go func() {
		select {
		case <-ctx.Done():
		case <-m.stopped:
		}
		m.Close()
	}()
	printServing(m.cfg.Stdout, m.engine.Store().Live(), m.ln.Addr())
	return nil
}

// Addr is the address the server listens on, once Run has returned.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Done is closed when the server has shut down and the catalog is closed.
func (m *Main) Done() <-chan struct{} { return m.done }

// Close shuts the server down gracefully, waiting up to ShutdownTimeout for
// requests in flight, and closes the catalog. It may be called more than
// once and returns the same result each time.
func (m *Main) Close() error {
	m.once.Do(func() {
		defer close(m.done)
		var errs []error
		if m.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
			defer cancel()
			if err := m.http.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown: %w", err), m.http.Close())
			}
			<-m.stopped
			errs = append(errs, m.serveErr)
		} else if m.ln != nil {
			errs = append(errs, m.ln.Close())
		}
		if m.repl != nil { // before the engine and suggest, which it writes to
			errs = append(errs, m.repl.Close())
		}
		if m.stopCompactor != nil {
			m.stopCompactor()
		}
		errs = append(errs, m.closeRecommend())
		if m.lex != nil { // before the engine: its re-index writes into it
			errs = append(errs, m.lex.Close())
		}
		if m.events != nil { // before the engine: the statistics write into it
			errs = append(errs, m.events.Close())
		}
		if m.engine != nil {
			errs = append(errs, m.engine.Close())
		}
		if m.state != nil {
			errs = append(errs, m.state.Close())
		}
		errs = append(errs, m.lock.Unlock()) // last: nothing writes DATA any more
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// buildDemo indexes the embedded demo catalog with synthetic commercial
// fields into the data directory.
func (m *Main) buildDemo() error {
	start := time.Now()
	now := m.cfg.Now()
	var products []models.Product
	_, err := indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		indexer.Synthesize(&p, m.cfg.Seed, now)
		products = append(products, p)
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("read demo catalog: %w", err)
	}
	if _, err := indexer.Build(m.cfg.DataDir, products, indexer.BuildOptions{Progress: m.cfg.Stderr, Now: m.cfg.Now}); err != nil {
		return fmt.Errorf("build demo catalog: %w", err)
	}
	fmt.Fprintf(m.cfg.Stdout, "built demo catalog: %s products in %.1fs (synthetic prices, stock, sales — see README)\n",
		thousands(len(products)), time.Since(start).Seconds())
	return nil
}

// printServing prints the catalog size and where to point a browser:
// localhost when the server listens on every interface.
func printServing(w io.Writer, products int, addr net.Addr) {
	fmt.Fprintf(w, "opened catalog: %s products\n", thousands(products))
	fmt.Fprintf(w, "serving on %s\n", localURL(addr))
}

// localURL is the URL of a listening address, with localhost for "every
// interface".
func localURL(addr net.Addr) string {
	hostPort := addr.String()
	if host, port, err := net.SplitHostPort(hostPort); err == nil {
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			hostPort = net.JoinHostPort("localhost", port)
		}
	}
	return "http://" + hostPort
}

// thousands formats n ≥ 0 with comma separators: 4,061.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// behaviorFile is the embedded behaviour store, in the data directory.
const behaviorFile = "behavior.db"

// eventsBufferFile holds the events acknowledged while the behaviour store
// is unreachable, in the data directory (events.Open).
const eventsBufferFile = "events-buffer.log"

// behaviorStore is what serve needs of a behaviour store: store.Embedded
// and store.Redis have it.
type behaviorStore interface {
	events.Store
	events.StatsStore
	events.QueryStore
	io.Closer
}

// guardedStore is a behaviour store whose reads for recommendations
// (server.RecBehavior, which recommendDeps finds on eventsState.st) go
// through an events.Guard.
type guardedStore struct {
	behaviorStore
	g *events.Guard
}

func (s guardedStore) RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error) {
	return s.g.RecentBehavior(ctx, actor, t, n)
}

func (s guardedStore) Exposed(ctx context.Context, actor, slot string) ([]string, error) {
	return s.g.Exposed(ctx, actor, slot)
}

// BreakerState is the guard's circuit breaker state, for the
// shopsearch_behavior_breaker_state metric (server/metrics.go).
func (s guardedStore) BreakerState() string { return s.g.State() }

// eventsState is the open behaviour store and the goroutines over it.
type eventsState struct {
	st     behaviorStore
	in     *events.Ingester
	svc    events.Service
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Close stops the buffer's replays and the statistics' pushes, then
// closes the store.
func (s *eventsState) Close() error {
	s.cancel()
	s.wg.Wait()
	return errors.Join(s.in.Close(), s.st.Close())
}

// startEvents opens the behaviour store — the Redis at cfg.Redis when set
// (a client of its own, which need not answer yet), else DATA/behavior.db —
// and starts the ingester's replays and the statistics' pushes into the
// engine.
func (m *Main) startEvents(ctx context.Context) (*eventsState, error) {
	var st behaviorStore
	if m.cfg.Redis != "" {
		// A Redis that does not answer: the events wait in the buffer
		// file until it does (serve_redis.go).
		var r *store.Redis
		var err error
		if ms, ok := m.state.(*merchState); ok && ms.start != nil {
			r, err = store.NewRedis(m.cfg.Redis, store.WithClock(m.cfg.Now)) // known to be down: no second wait
			if err != nil {
				err = fmt.Errorf("--redis: %w", err)
			}
		} else {
			r, _, err = m.dialRedis(ctx, "events", store.WithClock(m.cfg.Now))
		}
		if err != nil {
			return nil, err
		}
		st = r
	} else {
		e, err := store.OpenEmbedded(filepath.Join(m.cfg.DataDir, behaviorFile), store.WithClock(m.cfg.Now))
		if err != nil {
			return nil, err
		}
		st = e
	}
	logf := m.stdLog().Printf
	ecfg, scfg := m.cfg.Events, m.cfg.EventStats
	ecfg.Logf, scfg.Logf = logf, logf
	if ecfg.Now == nil {
		ecfg.Now = m.cfg.Now
	}
	if scfg.Now == nil {
		scfg.Now = m.cfg.Now
	}
	if ecfg.BufferPath == "" {
		ecfg.BufferPath = filepath.Join(m.cfg.DataDir, eventsBufferFile)
	}
	// Recommendations read a Redis through a guard: deadlines, a breaker,
	// and the recent behaviour of the events accepted here as the fallback.
	if r, ok := st.(*store.Redis); ok {
		gcfg := m.cfg.BehaviorGuard
		gcfg.Logf = logf
		if gcfg.Now == nil {
			gcfg.Now = m.cfg.Now
		}
		g := events.NewGuard(gcfg, r)
		ecfg.Observe = g.Observe
		st = guardedStore{behaviorStore: st, g: g}
	}
	in, err := events.Open(ecfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	sink := query.NewBehaviorSink(m.engine)
	stats := events.NewStats(scfg, st, func(x []models.ItemStats) error {
		_, err := sink.Apply(x)
		return err
	})
	rctx, cancel := context.WithCancel(context.Background())
	s := &eventsState{st: st, in: in, svc: events.Service{Ingester: in, Stats: stats, Queries: st}, cancel: cancel}
	s.wg.Go(func() { in.Run(rctx) })
	s.wg.Go(func() { stats.Run(rctx) })
	return s, nil
}
