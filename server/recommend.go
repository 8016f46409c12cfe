package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/recall"
)

// Recommendation limits.
const (
	maxRecN       = 50  // items a slot may ask for
	defaultRecN   = 10  // when n is absent
	maxRecCart    = 50  // ids in cart
	maxRecIDBytes = 128 // an item, user or session id
	recOverfetch  = 3   // candidates recalled per item wanted, for rerank's filters
	recRecent     = 30  // recent items of the shopper read for a slot
)

// RecBehavior is what recommendations read of a shopper's behaviour; the
// behaviour store (store.Embedded, store.Redis) has it. Actors are "u:ID"
// or "s:ID" and slots "scene/slot", as the event intake writes them.
type RecBehavior interface {
	RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error)
	Exposed(ctx context.Context, actor, slot string) ([]string, error)
}

// RecommendDeps are what GET /api/recommend needs.
type RecommendDeps struct {
	// Scenes are the recallers of each scene (recall.SceneRecallers).
	Scenes map[string]recall.Recaller
	// Behavior gives the shopper's recent items and what a slot showed
	// them; nil: recommendations from the request alone.
	Behavior RecBehavior
	// Models, when set, is asked on every request for the current scenes
	// and CTR model (a model watcher swaps them as the files change); a
	// nil scenes map falls back to Scenes. Nil: Scenes and no CTR model.
	Models func() (map[string]recall.Recaller, *rank.CTRModel)
	// Samples, when set, logs every served slot with its items' CTR
	// features, and the clicks, carts and purchases that respond to it
	// (with WithEvents called first): the CTR model's training samples.
	Samples *rank.SampleLog
	// Pins, when set, are the merchandisers' slot pins, served under
	// /api/admin/slot-pins (slotpins.go) and applied to every slot.
	Pins *SlotPins
	// Sensitive is the sensitive-category policy the slots apply, served
	// under /api/admin/sensitive (sensitive.go); nil: the defaults
	// (rank.DefaultSensitivePolicy), read-only.
	Sensitive *SensitiveList
}

// fallbackSources are the catalog's coherent fallbacks (recall.SceneDeps):
// their rescaled scores are weighed by fallbackWeight, so that what the
// shopper's behaviour recalled (session, item2item, cobuy) outranks them
// at equal rescaled score, and they fill what it leaves.
var fallbackSources = map[string]bool{recall.SourceSimilar: true, recall.SourceComplement: true, recall.SourceSpread: true}

const fallbackWeight = 0.7

// recImpressionPrefix starts every impression id /api/recommend gives out.
const recImpressionPrefix = "r-"

// WithRecommend adds GET /api/recommend, served from d:
//
//	GET /api/recommend?scene=home|detail|cart|order_complete|zero_result
//	    &user=|session=  &item=  &cart=a,b  &q=  &region=  &device=  &n=  &explain=
//
// The slot is recalled (recall), blended with the commercial factors of the
// shopper's weight profile and reranked (rank.Store.Rerank: nothing out of
// stock or undeliverable, nothing bought or in the cart, nothing this slot
// showed the shopper recently while others are left, categories and brands
// scattered), and answered with an impression id for the events that follow.
// With d.Pins it also serves the slot pins' admin routes (slotpins.go); with
// d.Samples it logs the slots and — when WithEvents was called before —
// the events that answer them (the CTR model's samples).
func (s *Server) WithRecommend(d RecommendDeps) *Server {
	if b, ok := d.Behavior.(breakerStater); ok {
		s.metrics.breaker = b.BreakerState // metrics.go
	}
	if d.Sensitive == nil {
		d.Sensitive, _ = NewSensitiveList(nil) // the defaults: no store to fail
	}
	h := &recommendAPI{s: s, d: d}
	if d.Samples != nil && s.events != nil {
		s.events.slots.mu.Lock()
		s.events.slots.labels = func(ls []rank.Label) {
			for _, l := range ls {
				if err := d.Samples.LogLabel(l); err != nil {
					s.errLog.Printf("recommend: %v", err)
					return
				}
			}
		}
		s.events.slots.mu.Unlock()
	}
	s.router.GET("/api/recommend", h.recommend)
	if d.Pins != nil {
		g := s.router.Group("/api/admin/slot-pins", s.requireAdmin)
		g.GET("", h.getSlotPins)
		g.PUT("", h.putSlotPins)
		g.GET("/history", h.slotPinsHistory)
	}
	g := s.router.Group("/api/admin/sensitive", s.requireAdmin)
	g.GET("", h.getSensitive)
	g.PUT("", h.putSensitive)
	g.GET("/history", h.sensitiveHistory)
	g.GET("/matches", h.sensitiveMatches)
	return s
}

type recommendAPI struct {
	s *Server
	d RecommendDeps
}

// recRequest is a parsed /api/recommend request.
type recRequest struct {
	scene, actor, item, q, region, device, user string
	cart                                        []string
	n                                           int
	explain                                     bool
}

// RecItem is one recommended item as the response shows it.
type RecItem struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Price      float64           `json:"price"`
	PromoPrice float64           `json:"promo_price,omitempty"`
	PromoTag   string            `json:"promo_tag,omitempty"`
	Brand      string            `json:"brand,omitempty"`
	Category   string            `json:"category,omitempty"`
	Platform   string            `json:"platform,omitempty"`
	Stock      string            `json:"stock"`
	Image      string            `json:"image,omitempty"`
	Score      float64           `json:"score"`
	Source     string            `json:"source"`
	Explain    *rank.Explanation `json:"explain,omitempty"`
	// PCTR is the CTR model's predicted click-through rate (with a model).
	PCTR float64 `json:"pctr,omitempty"`
	// CTR explains PCTR: its top feature contributions (explain=true).
	CTR *rank.CTRExplanation `json:"ctr,omitempty"`
}

// RecResponse is the answer of /api/recommend.
type RecResponse struct {
	Scene        string `json:"scene"`
	Slot         string `json:"slot"`
	ImpressionID string `json:"impression_id"`
	Profile      string `json:"profile"` // the weight profile that ranked it
	// Model is "ctr" when the learned CTR model ranked the slot, else
	// "heuristic".
	Model  string    `json:"model"`
	Items  []RecItem `json:"items"`
	TookMs float64   `json:"took_ms"`
}

func (h *recommendAPI) recommend(c *gin.Context) {
	start := time.Now()
	req, err := parseRecommend(c.Request.URL.RawQuery)
	if err == nil && req.explain {
		err = h.s.checkAdmin(c)
	}
	if err != nil {
		h.s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.s.cfg.SearchTimeout)
	defer cancel()
	profile := h.profile(req)
	scenes, ctr := h.d.Scenes, (*rank.CTRModel)(nil)
	if h.d.Models != nil {
		if sc, m := h.d.Models(); sc != nil {
			scenes, ctr = sc, m
		} else {
			ctr = m
		}
	}
	imp := impressionID()
	items, err := h.slot(ctx, req, profile, scenes, ctr, imp)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	name := "default"
	if profile != nil {
		name = profile.Name
	}
	model := "heuristic"
	if ctr != nil {
		model = "ctr"
	}
	h.s.respond(c, http.StatusOK, RecResponse{Scene: req.scene, Slot: req.scene, ImpressionID: imp,
		Profile: name, Model: model, Items: items, TookMs: float64(time.Since(start).Microseconds()) / 1000})
}

// slot recalls, ranks and reranks one slot, logging it as impression imp
// to the sample log.
func (h *recommendAPI) slot(ctx context.Context, req recRequest, profile *models.WeightProfile,
	scenes map[string]recall.Recaller, ctr *rank.CTRModel, imp string) ([]RecItem, error) {
	store := h.s.engine.Store()
	recaller := scenes[req.scene]
	if recaller == nil {
		return nil, models.Errorf(models.EUNAVAILABLE, "scene %s is not configured", req.scene)
	}
	shopper := h.shopper(ctx, req.actor, req.scene)
	shopperCtx := h.shopperContext(shopper)

	rr := recall.Request{User: req.actor, Items: shopper.recent, N: req.n * recOverfetch}
	// Sensitive categories stay out of the slot (sensitive.go); a detail
	// page's own class stays allowed on it.
	var own *models.Product
	if req.scene == recall.SceneDetail {
		if p, ok := store.Get(req.item); ok {
			own = &p
		}
	}
	sensitive := h.d.Sensitive.Classes().Filter(req.scene, req.region, own)
	excluded := map[string]bool{}
	for id := range shopper.bought {
		excluded[id] = true
	}
	switch req.scene {
	case recall.SceneDetail:
		rr.Items = append(slices.Clone(rr.Items), req.item)
		excluded[req.item] = true
		if p, ok := store.Get(req.item); ok {
			rr.Category = p.Category
		}
	case recall.SceneCart, recall.SceneOrderComplete:
		rr.Cart = req.cart
		for _, id := range req.cart {
			excluded[id] = true
		}
		if len(req.cart) > 0 && req.scene == recall.SceneCart {
			if p, ok := store.Get(req.cart[len(req.cart)-1]); ok {
				rr.Category = parent(p.Category) // its neighbours: complements
			}
		}
	case recall.SceneZeroResult:
		rr.Category = h.likelyCategory(ctx, req.q)
	}
	// The cart's leaf categories: a slot beside the cart offers complements,
	// not substitutes of what is in it.
	leaves := map[string]bool{}
	if req.scene == recall.SceneCart {
		for _, id := range req.cart {
			if p, ok := store.Get(id); ok && p.Category != "" {
				leaves[leaf(p.Category)] = true
			}
		}
	}
	exclude := func(id string, exposed bool) bool {
		if excluded[id] || exposed && shopper.exposed[id] {
			return true
		}
		if len(leaves) > 0 || sensitive != nil {
			p, ok := store.Get(id)
			if ok && (leaves[leaf(p.Category)] || sensitive != nil && sensitive(&p)) {
				return true
			}
		}
		return false
	}
	// Categories are scattered in a slot, except beside a product: 看了又看
	// is the same kind of product first.
	catWindow := 3
	if req.scene == recall.SceneDetail {
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
		recall.NormalizeScores(cands)
		rc := make([]rank.RecCandidate, len(cands))
		for i, c := range cands {
			if fallbackSources[c.Source] { // behaviour first: the catalog's fallbacks fill what it leaves
				c.Score *= fallbackWeight
			}
			rc[i] = rank.RecCandidate{ID: c.Item, Score: c.Score, Source: c.Source}
		}
		return store.Rerank(rc, rank.RerankRequest{
			N: req.n - len(have), Region: req.region, Profile: profile,
			CategoryWindow: catWindow, BrandWindow: 2, Explain: req.explain,
			CTR: ctr, Shopper: shopperCtx, Features: h.d.Samples != nil, Pins: pins, Now: h.s.cfg.Now(),
		})
	}
	var pins map[int]string
	if h.d.Pins != nil {
		pins = h.d.Pins.For(req.scene, req.region, h.s.cfg.Now())
	}
	for pos, id := range pins { // a pin does not override the sensitive list
		if p, ok := store.Get(id); ok && sensitive != nil && sensitive(&p) {
			delete(pins, pos)
		}
	}
	got := rank1(true, nil, pins)
	if len(got) < req.n && len(shopper.exposed) > 0 {
		// A full slot beats a fresh one: refill with what was shown.
		got = append(got, rank1(false, got, nil)...)
	}
	out := make([]RecItem, len(got))
	for i, it := range got {
		out[i] = recItem(it)
	}
	h.logImpression(imp, req.scene, got)
	return out, nil
}

// logImpression writes the served slot to the sample log, if any; pinned
// items are left out (the merchandiser, not the ranking, put them there).
func (h *recommendAPI) logImpression(id, scene string, items []rank.RecItem) {
	if h.d.Samples == nil || len(items) == 0 {
		return
	}
	imp := rank.Impression{ID: id, At: h.s.cfg.Now().UTC(), Scene: scene, Items: make([]rank.ImpressionItem, 0, len(items))}
	for i, it := range items {
		if it.Pinned || it.Features == nil {
			continue
		}
		imp.Items = append(imp.Items, rank.ImpressionItem{ID: it.Product.ID, Pos: i + 1, Features: *it.Features})
	}
	if err := h.d.Samples.LogImpression(imp); err != nil {
		h.s.errLog.Printf("recommend: %v", err)
	}
}

// shopperContext is the CTR features' view of the shopper: the categories
// of their recent items with the times, and their interactions per item.
func (h *recommendAPI) shopperContext(st shopperState) *rank.ShopperContext {
	if len(st.behavior) == 0 {
		return nil
	}
	store := h.s.engine.Store()
	c := &rank.ShopperContext{Items: map[string]int{}}
	for _, b := range st.behavior {
		if b.ItemID == "" {
			continue
		}
		c.Items[b.ItemID]++
		if p, ok := store.Get(b.ItemID); ok && p.Category != "" {
			c.Touches = append(c.Touches, rank.Touch{Category: p.Category, At: b.At})
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
func (h *recommendAPI) shopper(ctx context.Context, actor, scene string) shopperState {
	st := shopperState{bought: map[string]bool{}, exposed: map[string]bool{}}
	b := h.d.Behavior
	if b == nil || actor == "" {
		return st
	}
	var all []models.Behavior
	for _, t := range []models.EventType{models.EventClick, models.EventAddToCart, models.EventFavorite, models.EventPurchase} {
		bs, err := b.RecentBehavior(ctx, actor, t, recRecent)
		if err != nil {
			h.s.errLog.Printf("recommend: recent behaviour of %s: %v", actor, err)
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
func (h *recommendAPI) likelyCategory(ctx context.Context, q string) string {
	if q == "" {
		return ""
	}
	resp, err := h.s.engine.Search(ctx, query.Request{Text: q, Page: 1, Size: 1, Facets: true})
	if err != nil || resp.Facets == nil || len(resp.Facets.Category) == 0 {
		return ""
	}
	return resp.Facets.Category[0].Value
}

// profile is the slot's weight profile: the first slot rule of the
// selection that matches its scene, region and the time, else the one a
// search by the shopper would get.
func (h *recommendAPI) profile(req recRequest) *models.WeightProfile {
	profiles, _ := h.s.engine.Merch()
	if profiles == nil {
		return nil
	}
	c, err := profiles.SelectSlot(req.scene, req.region, req.device, req.user, h.s.cfg.Now())
	if err != nil {
		return nil
	}
	return c.Profile
}

func recItem(it rank.RecItem) RecItem {
	p := it.Product
	out := RecItem{ID: p.ID, Title: p.Title, Price: p.Price, PromoTag: p.PromoTag, Brand: p.Brand,
		Category: p.Category, Platform: string(p.Platform), Stock: query.StockState(p), Image: p.Image,
		Score: it.Score, Source: it.Source, Explain: it.Explain, PCTR: round4(it.PCTR), CTR: it.CTR}
	if ep := p.EffectivePrice(); ep < p.Price {
		out.PromoPrice = ep
	}
	if it.Pinned {
		out.Source = "pin"
	}
	return out
}

func leaf(category string) string { return category[strings.LastIndexByte(category, '>')+1:] }

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
	return recImpressionPrefix + hex.EncodeToString(b[:])
}

// parseRecommend reads and checks the query string of /api/recommend.
func parseRecommend(raw string) (recRequest, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return recRequest{}, models.Errorf(models.EINVALID, "malformed query string: %v", err)
	}
	p := &params{v: v}
	var r recRequest
	r.scene = p.one("scene")
	if p.err == nil && !slices.Contains(recall.Scenes, r.scene) {
		p.fail(invalid("scene", "want one of %s, got %q", strings.Join(recall.Scenes, ", "), clip(r.scene)))
	}
	id := func(name string) string {
		s := p.one(name)
		p.limit(name, len(s), maxRecIDBytes, "bytes")
		return s
	}
	r.user, r.item = id("user"), id("item")
	session := id("session")
	switch {
	case r.user != "":
		r.actor = "u:" + r.user
	case session != "":
		r.actor, r.user = "s:"+session, session
	}
	if p.err == nil && r.scene == recall.SceneDetail && r.item == "" {
		p.fail(invalid("item", "the detail scene needs the item shown"))
	}
	if cart := p.one("cart"); cart != "" {
		for _, c := range strings.Split(cart, ",") {
			if c = strings.TrimSpace(c); c != "" {
				p.limit("cart", len(c), maxRecIDBytes, "bytes per id")
				r.cart = append(r.cart, c)
			}
		}
		if len(r.cart) > maxRecCart {
			p.fail(invalid("cart", "%d ids; the limit is %d", len(r.cart), maxRecCart))
		}
	}
	r.q = p.one("q")
	p.limit("q", utf8.RuneCountInString(r.q), 200, "characters")
	r.region = p.one("region")
	p.limit("region", len(r.region), maxRegionBytes, "bytes")
	switch r.device = p.one("device"); r.device {
	case "", "mobile", "pc":
	default:
		p.fail(invalid("device", "want mobile or pc, got %q", clip(r.device)))
	}
	if r.n = p.integer("n", 1, maxRecN); r.n == 0 {
		r.n = defaultRecN
	}
	switch e := p.one("explain"); e {
	case "", "false", "0":
	case "true", "1":
		r.explain = true
	default:
		p.fail(invalid("explain", "want true or false, got %q", clip(e)))
	}
	return r, p.err
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
