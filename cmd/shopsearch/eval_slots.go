package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/recall"
	"shopsearch/server"
)

// runEvalSlots measures whether the recommendation slots look like what a
// person would choose, over every item of the demo catalog (synthetic
// commercial fields from --seed, listing dates relative to a fixed day):
//
//   - detail (看了又看, item = it): the share of the slot's items in its leaf
//     category, in its leaf or parent category, and within its price band
//     (half to twice its price);
//   - cart (买了还买, cart = [it]): the share in a complement category (the
//     reviewed table of recall.DefaultComplements; no co-purchase data);
//   - home (猜你喜欢) for a shopper who clicked it: the entropy, in bits, of
//     the slot's leaf categories (log2 n when every item is of another
//     category), and the home slot of a shopper with no history;
//   - for every slot, the share of items of the default sensitive classes
//     (rank.DefaultSensitivePolicy; a detail page's own class not counted).
//
// The shoppers are the eval's: each has clicked one item and nothing else
// (evalShoppers); no behaviour model is loaded, as on a fresh demo.
func runEvalSlots(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval slots", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 8, "items per slot (the storefront asks for 8)")
	seed := fs.Int64("seed", 42, "seed of the demo catalog's synthetic fields")
	verbose := fs.Bool("v", false, "print every item's slots on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "shopsearch-eval-slots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	now := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	var products []models.Product
	if _, err := indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		indexer.Synthesize(&p, *seed, now)
		products = append(products, p)
		return nil
	}, nil); err != nil {
		return fmt.Errorf("eval slots: demo catalog: %w", err)
	}
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{Now: func() time.Time { return now }}); err != nil {
		return fmt.Errorf("eval slots: %w", err)
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	if err != nil {
		return fmt.Errorf("eval slots: %w", err)
	}
	defer e.Close()
	h := server.New(server.Config{}, e).WithRecommend(server.RecommendDeps{Behavior: evalShoppers{at: now}}).Handler()
	get := func(params url.Values) ([]server.RecItem, error) {
		params.Set("n", fmt.Sprint(*n))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/recommend?"+params.Encode(), nil))
		if w.Code != 200 {
			return nil, fmt.Errorf("eval slots: %s: %d %s", params.Encode(), w.Code, w.Body.String())
		}
		var r server.RecResponse
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			return nil, err
		}
		return r.Items, nil
	}
	sens, err := rank.CompileSensitive(rank.DefaultSensitivePolicy())
	if err != nil {
		return err
	}
	enabled := map[string]bool{}
	for _, c := range rank.DefaultSensitivePolicy().Classes {
		enabled[c.Name] = c.Enabled
	}
	byID := make(map[string]*models.Product, len(products))
	for i := range products {
		byID[products[i].ID] = &products[i]
	}
	sensitive := func(it server.RecItem, own string) bool {
		c := sens.Class(byID[it.ID])
		return c != "" && enabled[c] && c != own
	}
	parentOf := func(cat string) string {
		p, _ := models.Category(cat).Parent()
		return string(p)
	}
	comp := recall.DefaultComplements()
	var st slotStats
	// Per leaf category, the summed per-item shares: the macro averages
	// weigh every category alike (the demo's 孕妈奶粉 alone is 22 % of
	// the items, and fills any same-leaf slot).
	type leafSum struct {
		items             int
		sameLeaf, complem float64
	}
	perLeaf := map[string]*leafSum{}
	for i := range products {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p := &products[i]
		leaf, par, price := recall.LeafOf(p.Category), parentOf(p.Category), p.EffectivePrice()
		own := sens.Class(p)
		items, err := get(url.Values{"scene": {"detail"}, "item": {p.ID}})
		if err != nil {
			return err
		}
		ls := perLeaf[leaf]
		if ls == nil {
			ls = &leafSum{}
			perLeaf[leaf] = ls
		}
		ls.items++
		st.detail.slots++
		for _, it := range items {
			if recall.LeafOf(it.Category) == leaf {
				ls.sameLeaf += 1 / float64(*n)
			}
			st.detail.shown++
			l := recall.LeafOf(it.Category)
			if l == leaf {
				st.detail.leaf++
			}
			if l == leaf || par != "" && parentOf(it.Category) == par {
				st.detail.parent++
			}
			ep := it.Price
			if it.PromoPrice > 0 {
				ep = it.PromoPrice
			}
			if price > 0 && ep >= price/2 && ep <= price*2 {
				st.detail.band++
			}
			if sensitive(it, own) {
				st.detail.sensitive++
			}
		}
		items, err = get(url.Values{"scene": {"cart"}, "cart": {p.ID}})
		if err != nil {
			return err
		}
		st.cart.slots++
		for _, it := range items {
			st.cart.shown++
			if comp.Is(p.Category, it.Category) {
				st.cart.complement++
				ls.complem += 1 / float64(*n)
			}
			if sensitive(it, "") {
				st.cart.sensitive++
			}
		}
		items, err = get(url.Values{"scene": {"home"}, "session": {"eval-" + p.ID}})
		if err != nil {
			return err
		}
		st.home.slots++
		st.home.shown += len(items)
		st.home.entropy += entropy(items)
		for _, it := range items {
			if sensitive(it, "") {
				st.home.sensitive++
			}
		}
		if *verbose {
			fmt.Fprintf(stderr, "%s %s\n", p.ID, p.Category)
		}
	}
	var macroLeaf, macroComp float64
	for _, ls := range perLeaf {
		macroLeaf += ls.sameLeaf / float64(ls.items)
		macroComp += ls.complem / float64(ls.items)
	}
	macroLeaf /= float64(max(len(perLeaf), 1))
	macroComp /= float64(max(len(perLeaf), 1))
	anon, err := get(url.Values{"scene": {"home"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "slots: items=%d leaves=%d n=%d | detail fill=%.3f same_leaf=%.3f (per leaf %.3f) same_leaf_or_parent=%.3f price_band=%.3f sensitive=%.4f"+
		" | cart fill=%.3f complement=%.3f (per leaf %.3f) sensitive=%.4f | home fill=%.3f entropy=%.2f bits (max %.2f) sensitive=%.4f | new-shopper home entropy=%.2f bits\n",
		len(products), len(perLeaf), *n,
		st.detail.fill(*n), st.detail.share(st.detail.leaf), macroLeaf, st.detail.share(st.detail.parent), st.detail.share(st.detail.band), st.detail.share(st.detail.sensitive),
		st.cart.fill(*n), st.cart.share(st.cart.complement), macroComp, st.cart.share(st.cart.sensitive),
		st.home.fill(*n), st.home.entropy/float64(max(st.home.slots, 1)), math.Log2(float64(*n)), st.home.share(st.home.sensitive),
		entropy(anon))
	return nil
}

// slotCounts are one scene's counts over the eval's slots.
type slotCounts struct {
	slots, shown                              int
	leaf, parent, band, complement, sensitive int
	entropy                                   float64 // summed over slots
}

func (c slotCounts) fill(n int) float64  { return float64(c.shown) / float64(max(c.slots*n, 1)) }
func (c slotCounts) share(k int) float64 { return float64(k) / float64(max(c.shown, 1)) }

type slotStats struct{ detail, cart, home slotCounts }

// entropy is the Shannon entropy, in bits, of the items' leaf categories.
func entropy(items []server.RecItem) float64 {
	if len(items) == 0 {
		return 0
	}
	counts := map[string]int{}
	for _, it := range items {
		counts[recall.LeafOf(it.Category)]++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(len(items))
		h -= p * math.Log2(p)
	}
	return h
}

// evalShoppers is the eval's behaviour: the shopper "s:eval-ID" clicked
// item ID once, and no slot has shown them anything.
type evalShoppers struct{ at time.Time }

func (s evalShoppers) RecentBehavior(_ context.Context, actor string, t models.EventType, _ int) ([]models.Behavior, error) {
	id, ok := strings.CutPrefix(actor, "s:eval-")
	if !ok || t != models.EventClick {
		return nil, nil
	}
	return []models.Behavior{{Type: models.EventClick, ItemID: id, At: s.at}}, nil
}

func (evalShoppers) Exposed(context.Context, string, string) ([]string, error) { return nil, nil }
