package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/server"
	"shopsearch/suggest"
)

// suggestCatalog is what suggest reads of the opened catalog besides the
// engine's products (which it walks with rank.Store.Scan, so items upserted
// after start join at the next build): the Bleve index, to check that
// logged queries find items.
type suggestCatalog struct {
	index bleve.Index
}

// openEngine is query.Open, also returning what suggest needs; the engine
// owns an.
func openEngine(dataDir string, an *dict.Analyzer, cfg query.Config) (*query.Engine, suggestCatalog, error) {
	cat, products, err := indexer.Open(dataDir, an)
	if err != nil {
		return nil, suggestCatalog{}, err
	}
	e := query.NewEngine(cat, rank.NewStore(products, query.BrandTerms(an)), cfg)
	return e, suggestCatalog{index: cat.Index()}, nil
}

// startSuggest makes the suggester over the engine's catalog (its
// merchandiser configuration in the data directory) and starts its
// background builds, which stop with ctx or when the server stops.
func (m *Main) startSuggest(ctx context.Context, sc suggestCatalog) (*suggest.Suggester, error) {
	ctx, cancel := context.WithCancel(ctx)
	store := m.engine.Store()
	products := func(yield func(models.Product) bool) {
		stop := errors.New("stop")
		store.Scan(func(p *models.Product) error {
			if !yield(*p) {
				return stop
			}
			return nil
		})
	}
	sg, err := suggest.New(suggest.Config{DataDir: m.cfg.DataDir}, suggest.Deps{
		Products: iter.Seq[models.Product](products),
		Words:    productNouns(m.engine.Analyzer()),
		Count:    bleveCount(ctx, sc.index, m.engine.Analyzer()),
		Recent:   (&recentCache{read: m.recentCategories, now: m.cfg.Now}).get,
		Log:      &suggest.MergedLog{Own: suggest.NewMemLog(0, 0), Others: m.sharedQueries},
		Logf: func(format string, args ...any) {
			fmt.Fprintf(m.cfg.Stderr, format+"\n", args...)
		},
		Now: m.cfg.Now,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-m.stopped:
		}
		cancel()
	}()
	go sg.Run(ctx)
	return sg, nil
}

// productNouns is suggest's Deps.Words: the product nouns of the lexicon
// the engine analyses with now (dict.Lexicon.Products), so that a reloaded
// lexicon counts from the next build. Titles are all suggest reads for
// them: real catalogs annotate no product word, and the engine never reads
// one.
func productNouns(an *dict.Analyzer) func(title string) []string {
	return func(title string) []string { return an.Lexicon().Products(title) }
}

// bleveCount counts the items that have every word of q, as the strict
// phase 1 of search finds them: cheaper than a search, and it leaves the
// engine's own query log alone.
func bleveCount(ctx context.Context, idx bleve.Index, an *dict.Analyzer) suggest.Count {
	return func(q string) int {
		var must []bq.Query
		for _, t := range an.Analyze(q) {
			if t.Role == dict.Leaf {
				tq := bq.NewTermQuery(t.Term)
				tq.SetField(indexer.FieldText)
				must = append(must, tq)
			}
		}
		if len(must) == 0 {
			return 0
		}
		res, err := idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(bq.NewConjunctionQuery(must), 0, 0, false))
		if err != nil {
			return 0
		}
		return int(res.Total)
	}
}

// recentTimeout bounds the behaviour store's answer to one suggest lookup's
// personal boost: the drop-down does not wait for a slow store.
const recentTimeout = 20 * time.Millisecond

// recentCategories is suggest's personal boost: the categories of the items
// the shopper clicked, carted or bought lately. user is a signed-in user id
// or, as the storefront sends it, the anonymous session id.
func (m *Main) recentCategories(user string) []string {
	ev := m.events // opened before suggest starts
	if ev == nil || user == "" {
		return nil
	}
	b, ok := ev.st.(server.RecBehavior)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), recentTimeout)
	defer cancel()
	store := m.engine.Store()
	var out []string
	seen := map[string]bool{}
	for _, actor := range []string{"u:" + user, "s:" + user} {
		for _, t := range []models.EventType{models.EventClick, models.EventAddToCart, models.EventPurchase} {
			bs, err := b.RecentBehavior(ctx, actor, t, 10)
			if err != nil {
				return out
			}
			for _, x := range bs {
				if p, ok := store.Get(x.ItemID); ok && p.Category != "" && !seen[p.Category] {
					seen[p.Category] = true
					out = append(out, p.Category)
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// sharedLogDays is how many days of the behaviour store's search counts
// suggest reads: a week, as storefront drop-downs are ranked.
const sharedLogDays = 7

// sharedQueries is suggest's suggest.MergedLog Others: the search events
// the behaviour store counted over the last week (from every replica, with
// Redis).
func (m *Main) sharedQueries(n int) []models.QueryCount {
	ev := m.events // opened before suggest starts
	if ev == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qs, err := ev.svc.TopQueries(ctx, sharedLogDays, n)
	if err != nil {
		return nil
	}
	return qs
}

// recentTTL is how long a shopper's recent categories are reused: a
// shopper types several characters a second, and each would otherwise
// read the behaviour store a few times.
const recentTTL = 2 * time.Second

// recentCacheSize is how many shoppers a generation of the cache holds.
const recentCacheSize = 10_000

// recentCache keeps what read said of each shopper for recentTTL, in two
// generations (the current one, when full, becomes the previous).
type recentCache struct {
	read      func(user string) []string
	now       func() time.Time
	mu        sync.Mutex
	cur, prev map[string]recentEntry
}

type recentEntry struct {
	cats []string
	at   time.Time
}

func (c *recentCache) get(user string) []string {
	if user == "" {
		return nil
	}
	now := time.Now()
	if c.now != nil {
		now = c.now()
	}
	c.mu.Lock()
	e, ok := c.cur[user]
	if !ok {
		e, ok = c.prev[user]
	}
	c.mu.Unlock()
	if ok && now.Sub(e.at) < recentTTL {
		return e.cats
	}
	cats := c.read(user)
	c.mu.Lock()
	if c.cur == nil || len(c.cur) >= recentCacheSize {
		c.prev, c.cur = c.cur, make(map[string]recentEntry, 256)
	}
	c.cur[user] = recentEntry{cats, now}
	c.mu.Unlock()
	return cats
}
