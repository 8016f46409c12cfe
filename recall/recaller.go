package recall

import (
	"context"
	"math"
)

// Request is what a recaller is asked for.
type Request struct {
	User     string
	Items    []string // the shopper's recent items or session, oldest first
	Cart     []string // items in the cart
	Category string   // a category to favour (hot lists)
	N        int      // candidates wanted
	// Exclude leaves items out (already bought, in the cart, shown…); nil
	// leaves nothing out.
	Exclude func(item string) bool
}

// Recaller returns up to req.N candidates, best first. It must be safe for
// concurrent calls and must not keep req.
type Recaller func(ctx context.Context, req Request) []Candidate

// SessionRecaller recommends what follows the shopper's session
// (req.Items): session kNN, transitions and repeat consumption.
func (m *Model) SessionRecaller() Recaller {
	return func(_ context.Context, req Request) []Candidate {
		return m.NextInSession(req.Items, req.N, req.Exclude)
	}
}

// ItemRecaller recommends items similar to the shopper's recent items
// (req.Items), e.g. "viewed also viewed" on a detail page.
func (m *Model) ItemRecaller() Recaller {
	return func(_ context.Context, req Request) []Candidate {
		return m.Similar(req.Items, req.N, req.Exclude)
	}
}

// CoBuyRecaller recommends complements of the cart (req.Cart, or req.Items
// when the cart is empty): "bought together".
func (m *Model) CoBuyRecaller() Recaller {
	return func(_ context.Context, req Request) []Candidate {
		items := req.Cart
		if len(items) == 0 {
			items = req.Items
		}
		return m.BoughtTogether(items, req.N, req.Exclude)
	}
}

// HotRecaller recommends the hot items of req.Category (all items when it
// is empty or unknown); it always has something, so it ends fallback chains.
func (m *Model) HotRecaller() Recaller {
	return func(_ context.Context, req Request) []Candidate {
		return m.Hot(req.Category, req.N, req.Exclude)
	}
}

// Quota is one recaller's share of a combined list.
type Quota struct {
	Recall Recaller
	Share  float64 // fraction of N this recaller may fill (0..1)
}

// Combine merges recallers for one scene: each quota in turn fills up to
// ceil(Share·N) slots with items not already taken (and not excluded);
// then, while the list is short — a new shopper, a new item, a recaller
// with little to say — the fallbacks fill the rest in order. Scores keep
// their recaller's scale; Source tells them apart.
func Combine(quotas []Quota, fallback ...Recaller) Recaller {
	return func(ctx context.Context, req Request) []Candidate {
		n := min(max(req.N, 0), MaxN)
		out := make([]Candidate, 0, n)
		seen := make(map[string]bool, n)
		orig := req.Exclude
		sub := req
		sub.Exclude = func(id string) bool { return seen[id] || (orig != nil && orig(id)) }
		take := func(r Recaller, want int) {
			if want <= 0 || r == nil || ctx.Err() != nil {
				return
			}
			sub.N = want
			for _, c := range r(ctx, sub) {
				if len(out) == n || want == 0 {
					return
				}
				if sub.Exclude(c.Item) {
					continue
				}
				seen[c.Item] = true
				out = append(out, c)
				want--
			}
		}
		for _, q := range quotas {
			share := min(max(q.Share, 0), 1)
			take(q.Recall, min(n-len(out), int(math.Ceil(share*float64(n)))))
		}
		for _, q := range quotas { // quotas may take more when the others fell short
			take(q.Recall, n-len(out))
		}
		for _, f := range fallback {
			take(f, n-len(out))
		}
		return out
	}
}
