package server

import (
	"context"

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
	"shopsearch/recall/ctr"
)

// Recommendation limits.
const (
	maxRecN       = 50  // items a slot may ask for
	defaultRecN   = 10  // when n is absent
	maxRecCart    = 50  // ids in cart
	maxRecIDBytes = 128 // an item, user or session id
)

// RecBehavior is what recommendations read of a shopper's behaviour
// (recall.Behavior); the behaviour store (store.Embedded, store.Redis)
// has it.
type RecBehavior = recall.Behavior

// RecommendDeps are what GET /api/recommend needs.
type RecommendDeps struct {
	// Service answers the slots (cmd/shopsearch makes it with the models
	// of the data directory). Nil: WithRecommend makes one over the
	// server's engine from Scenes, Behavior, Pins and Sensitive.
	Service *recall.Service
	// Scenes are fixed recallers of each scene (recall.ServiceConfig.Scenes)
	// for the service WithRecommend makes; nil: the catalog's.
	Scenes map[string]recall.Recaller
	// Behavior gives the shopper's recent items and what a slot showed
	// them (for the service WithRecommend makes; its breaker's state, if
	// it has one, for /metrics); nil: recommendations from the request
	// alone.
	Behavior RecBehavior
	// Pins, when set, are the merchandisers' slot pins, served under
	// /api/admin/slot-pins (slotpins.go) and applied to every slot.
	Pins *SlotPins
	// Sensitive is the sensitive-category policy the slots apply, served
	// under /api/admin/sensitive (sensitive.go); nil: the defaults
	// (rank.DefaultSensitivePolicy), read-only.
	Sensitive *SensitiveList
}

// recImpressionPrefix starts every impression id /api/recommend gives out.
const recImpressionPrefix = recall.ImpressionPrefix

// WithRecommend adds GET /api/recommend, answered by d.Service
// (recall.Service.Recommend: the slot recalled, ranked and reranked, with
// an impression id for the events that follow):
//
//	GET /api/recommend?scene=home|detail|cart|order_complete|zero_result
//	    &user=|session=  &item=  &cart=a,b  &q=  &region=  &device=  &n=  &explain=
//
// With d.Pins it also serves the slot pins' admin routes (slotpins.go);
// when the service keeps a sample log and WithEvents was called before,
// the events that answer the slots go to it (the CTR model's samples).
func (s *Server) WithRecommend(d RecommendDeps) *Server {
	if b, ok := d.Behavior.(breakerStater); ok {
		s.metrics.breaker = b.BreakerState // metrics.go
	}
	if d.Sensitive == nil {
		d.Sensitive, _ = NewSensitiveList(nil) // the defaults: no store to fail
	}
	h := &recommendAPI{s: s, d: d}
	if d.Service == nil {
		cfg := recall.ServiceConfig{Catalog: s.engine, Behavior: d.Behavior, Sensitive: d.Sensitive, Scenes: d.Scenes, Now: s.cfg.Now}
		if d.Pins != nil {
			cfg.Pins = d.Pins
		}
		svc, err := recall.NewService(cfg)
		if err != nil { // no data directory to fail: a bug
			s.errLog.Printf("recommendations: %v", err)
			h.err = models.Errorf(models.EUNAVAILABLE, "recommendations: %v", err)
		}
		h.d.Service = svc
	}
	if h.err == nil && h.d.Service.LogsSamples() && s.events != nil {
		s.events.slots.mu.Lock()
		s.events.slots.labels = func(ls []ctr.Label) {
			if err := h.d.Service.LogLabels(ls); err != nil {
				s.errLog.Printf("%v", err)
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
	s   *Server
	d   RecommendDeps
	err error // the service could not be made: every slot fails with it
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
	CTR *ctr.Explanation `json:"ctr,omitempty"`
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
	if err == nil && req.Explain {
		err = h.s.checkAdmin(c)
	}
	if err == nil {
		err = h.err
	}
	if err != nil {
		h.s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.s.cfg.SearchTimeout)
	defer cancel()
	slot, err := h.d.Service.Recommend(ctx, req)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	for _, w := range slot.Warnings {
		h.s.errLog.Printf("%v", w)
	}
	items := make([]RecItem, len(slot.Items))
	for i, it := range slot.Items {
		items[i] = recItem(it)
	}
	h.s.respond(c, http.StatusOK, RecResponse{Scene: slot.Scene, Slot: slot.Slot, ImpressionID: slot.ImpressionID,
		Profile: slot.Profile, Model: slot.Model, Items: items, TookMs: float64(time.Since(start).Microseconds()) / 1000})
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

// parseRecommend reads and checks the query string of /api/recommend.
func parseRecommend(raw string) (recall.SlotRequest, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return recall.SlotRequest{}, models.Errorf(models.EINVALID, "malformed query string: %v", err)
	}
	p := &params{v: v}
	var r recall.SlotRequest
	r.Scene = p.one("scene")
	if p.err == nil && !slices.Contains(recall.Scenes, r.Scene) {
		p.fail(invalid("scene", "want one of %s, got %q", strings.Join(recall.Scenes, ", "), clip(r.Scene)))
	}
	id := func(name string) string {
		s := p.one(name)
		p.limit(name, len(s), maxRecIDBytes, "bytes")
		return s
	}
	r.User, r.Item = id("user"), id("item")
	session := id("session")
	switch {
	case r.User != "":
		r.Actor = "u:" + r.User
	case session != "":
		r.Actor, r.User = "s:"+session, session
	}
	if p.err == nil && r.Scene == recall.SceneDetail && r.Item == "" {
		p.fail(invalid("item", "the detail scene needs the item shown"))
	}
	if cart := p.one("cart"); cart != "" {
		for _, c := range strings.Split(cart, ",") {
			if c = strings.TrimSpace(c); c != "" {
				p.limit("cart", len(c), maxRecIDBytes, "bytes per id")
				r.Cart = append(r.Cart, c)
			}
		}
		if len(r.Cart) > maxRecCart {
			p.fail(invalid("cart", "%d ids; the limit is %d", len(r.Cart), maxRecCart))
		}
	}
	r.Query = p.one("q")
	p.limit("q", utf8.RuneCountInString(r.Query), 200, "characters")
	r.Region = p.one("region")
	p.limit("region", len(r.Region), maxRegionBytes, "bytes")
	switch r.Device = p.one("device"); r.Device {
	case "", "mobile", "pc":
	default:
		p.fail(invalid("device", "want mobile or pc, got %q", clip(r.Device)))
	}
	if r.N = p.integer("n", 1, maxRecN); r.N == 0 {
		r.N = defaultRecN
	}
	switch e := p.one("explain"); e {
	case "", "false", "0":
	case "true", "1":
		r.Explain = true
	default:
		p.fail(invalid("explain", "want true or false, got %q", clip(e)))
	}
	return r, p.err
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
