package recall

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/recall/ctr"
)

// slot recalls, ranks and reranks one slot; what degrades without failing
// it is added to warn.
func (s *Service) slot(ctx context.Context, req SlotRequest, recaller Recaller, profile *models.WeightProfile,
	cm *ctr.Model, warn *[]error) []rank.RecItem {
	store := s.cfg.Catalog.Store()
	now := s.cfg.Now()
	shopper := s.shopper(ctx, req.Actor, req.Scene, warn)
	shopperCtx := shopperContext(store, shopper)

	rr := Request{User: req.Actor, Items: shopper.recent, N: req.N * recOverfetch}
	// Sensitive categories stay out of the slot (rank.Sensitive); a detail
	// page's own class stays allowed on it.
	var own *models.Product
	if req.Scene == SceneDetail {
		if p, ok := store.Get(req.Item); ok {
			own = &p
		}
	}
	sensitive := s.classes().Filter(req.Scene, req.Region, own)
	excluded := map[string]bool{}
	for id := range shopper.bought {
		excluded[id] = true
	}
	switch req.Scene {
	case SceneDetail:
		rr.Items = append(slices.Clone(rr.Items), req.Item)
		excluded[req.Item] = true
		if p, ok := store.Get(req.Item); ok {
			rr.Category = p.Category
		}
	case SceneCart, SceneOrderComplete:
		rr.Cart = req.Cart
		for _, id := range req.Cart {
			excluded[id] = true
		}
		if len(req.Cart) > 0 && req.Scene == SceneCart {
			if p, ok := store.Get(req.Cart[len(req.Cart)-1]); ok {
				rr.Category = parent(p.Category) // its neighbours: complements
			}
		}
	case SceneZeroResult:
		rr.Category = s.likelyCategory(ctx, req.Query)
	}
	// The cart's leaf categories: a slot beside the cart offers complements,
	// not substitutes of what is in it.
	leaves := map[string]bool{}
	if req.Scene == SceneCart {
		for _, id := range req.Cart {
			if p, ok := store.Get(id); ok && p.Category != "" {
				leaves[LeafOf(p.Category)] = true
			}
		}
	}
	exclude := func(id string, exposed bool) bool {
		if excluded[id] || exposed && shopper.exposed[id] {
			return true
		}
		if len(leaves) > 0 || sensitive != nil {
			p, ok := store.Get(id)
			if ok && (leaves[LeafOf(p.Category)] || sensitive != nil && sensitive(&p)) {
				return true
			}
		}
		return false
	}
	// Categories are scattered in a slot, except beside a product: 看了又看
	// is the same kind of product first.
	catWindow := 3
	if req.Scene == SceneDetail {
		catWindow = 0
	}
	rank1 := func(exposed bool, have []rank.RecItem, pins map[int]string) []rank.RecItem {
		rr := rr
		pinned := map[string]bool{}
		for _, id := range pins {
			pinned[id] = true
		}
		rr.Exclude = func(id string) bool { // a pin shows however often it was shown
			return exclude(id, exposed && !pinned[id]) || slices.ContainsFunc(have, func(it rank.RecItem) bool { return it.Product.ID == id })
		}
		cands := recaller(ctx, rr)
		NormalizeScores(cands)
		rc := make([]rank.RecCandidate, len(cands))
		for i, c := range cands {
			if fallbackSources[c.Source] { // behaviour first: the catalog's fallbacks fill what it leaves
				c.Score *= fallbackWeight
			}
			rc[i] = rank.RecCandidate{ID: c.Item, Score: c.Score, Source: c.Source}
		}
		rreq := rank.RankSlotRequest{Region: req.Region, Profile: profile, Explain: req.Explain,
			CTR: cm, Shopper: shopperCtx, Features: s.samples != nil, Now: now}
		return rerank(store.RankSlot(rc, rreq), rerankRequest{N: req.N - len(have), CategoryWindow: catWindow, BrandWindow: 2,
			Pins: pins, pin: func(id string) (rank.RecItem, bool) { return store.PinItem(id, rreq) }})
	}
	var pins map[int]string
	if s.cfg.Pins != nil {
		pins = s.cfg.Pins.For(req.Scene, req.Region, now)
	}
	for pos, id := range pins { // a pin does not override the sensitive list
		if p, ok := store.Get(id); ok && sensitive != nil && sensitive(&p) {
			delete(pins, pos)
		}
	}
	got := rank1(true, nil, pins)
	if len(got) < req.N && len(shopper.exposed) > 0 {
		// A full slot beats a fresh one: refill with what was shown.
		got = append(got, rank1(false, got, nil)...)
	}
	return got
}

// logImpression writes the served slot to the sample log, if any; pinned
// items are left out (the merchandiser, not the ranking, put them there).
func (s *Service) logImpression(id, scene string, items []rank.RecItem) error {
	if s.samples == nil || len(items) == 0 {
		return nil
	}
	imp := ctr.Impression{ID: id, At: s.cfg.Now().UTC(), Scene: scene, Items: make([]ctr.ImpressionItem, 0, len(items))}
	for i, it := range items {
		if it.Pinned || it.Features == nil {
			continue
		}
		imp.Items = append(imp.Items, ctr.ImpressionItem{ID: it.Product.ID, Pos: i + 1, Features: *it.Features})
	}
	if err := s.samples.LogImpression(imp); err != nil {
		return fmt.Errorf("recommend: %w", err)
	}
	return nil
}

// shopperContext is the CTR features' view of the shopper: the categories
// of their recent items with the times, and their interactions per item.
func shopperContext(store *rank.Store, st shopperState) *ctr.ShopperContext {
	if len(st.behavior) == 0 {
		return nil
	}
	c := &ctr.ShopperContext{Items: map[string]int{}}
	for _, b := range st.behavior {
		if b.ItemID == "" {
			continue
		}
		c.Items[b.ItemID]++
		if p, ok := store.Get(b.ItemID); ok && p.Category != "" {
			c.Touches = append(c.Touches, ctr.Touch{Category: p.Category, At: b.At})
		}
	}
	return c
}

// shopperState is what a slot knows of its shopper.
type shopperState struct {
	recent  []string        // items clicked, carted or bought, oldest first
	bought  map[string]bool // items bought
	exposed map[string]bool // items this scene's slot showed recently
	// behavior is the recent behaviour read, oldest first (the newest
	// recRecent of each type).
	behavior []models.Behavior
}

// shopper reads the actor's recent behaviour; failures (a store that is
// down) leave the slot to the request alone, since a slot must not fail.
func (s *Service) shopper(ctx context.Context, actor, scene string, warn *[]error) shopperState {
	st := shopperState{bought: map[string]bool{}, exposed: map[string]bool{}}
	b := s.cfg.Behavior
	if b == nil || actor == "" {
		return st
	}
	var all []models.Behavior
	for _, t := range []models.EventType{models.EventClick, models.EventAddToCart, models.EventFavorite, models.EventPurchase} {
		bs, err := b.RecentBehavior(ctx, actor, t, recRecent)
		if err != nil {
			*warn = append(*warn, fmt.Errorf("recommend: recent behaviour of %s: %w", actor, err))
			return st
		}
		for _, x := range bs {
			if t == models.EventPurchase {
				st.bought[x.ItemID] = true
			}
		}
		all = append(all, bs...)
	}
	slices.SortStableFunc(all, func(a, b models.Behavior) int { return a.At.Compare(b.At) })
	st.behavior = all
	seen := map[string]bool{}
	for i := len(all) - 1; i >= 0 && len(st.recent) < recRecent; i-- { // newest first, distinct
		if id := all[i].ItemID; id != "" && !seen[id] {
			seen[id] = true
			st.recent = append(st.recent, id)
		}
	}
	slices.Reverse(st.recent)
	if shown, err := b.Exposed(ctx, actor, scene+"/"+scene); err == nil {
		for _, id := range shown {
			st.exposed[id] = true
		}
	}
	return st
}

// likelyCategory is the category a failed query most likely meant: the top
// category among whatever matches part of it; "" when nothing does.
func (s *Service) likelyCategory(ctx context.Context, q string) string {
	if q == "" {
		return ""
	}
	resp, err := s.cfg.Catalog.Search(ctx, query.Request{Text: q, Page: 1, Size: 1, Facets: true})
	if err != nil || resp.Facets == nil || len(resp.Facets.Category) == 0 {
		return ""
	}
	return resp.Facets.Category[0].Value
}

// profile is the slot's weight profile: the first slot rule of the
// selection that matches its scene, region and the time, else the one a
// search by the shopper would get; nil: the default.
func (s *Service) profile(req SlotRequest) *models.WeightProfile {
	profiles, _ := s.cfg.Catalog.Merch()
	if profiles == nil {
		return nil
	}
	c, err := profiles.SelectSlot(req.Scene, req.Region, req.Device, req.User, s.cfg.Now())
	if err != nil {
		return nil
	}
	return c.Profile
}

// parent is the category one level up ("" at the top).
func parent(category string) string {
	if i := strings.LastIndexByte(category, '>'); i >= 0 {
		return category[:i]
	}
	return ""
}

// impressionID names one answered slot, for the events that refer to it.
func impressionID() string {
	var b [8]byte
	rand.Read(b[:])
	return ImpressionPrefix + hex.EncodeToString(b[:])
}
