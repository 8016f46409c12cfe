package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
)

// Preview limits.
const (
	maxPreviewQueries = 100
	defaultPreviewN   = 20
)

// topQueries serves the query log: GET /api/admin/queries?n=100.
func (s *Server) topQueries(c *gin.Context) {
	p := &params{v: c.Request.URL.Query()}
	n := p.integer("n", 1, 1000)
	if p.err != nil {
		s.fail(c, p.err)
		return
	}
	if n == 0 {
		n = 100
	}
	s.respond(c, http.StatusOK, gin.H{"queries": s.engine.TopQueries(n)})
}

// previewBody is the body of POST /api/admin/preview. The queries are one
// of query, queries and top (the most searched queries of the query log).
// Profile is a draft profile object or the name of a published profile.
type previewBody struct {
	Query   *string         `json:"query"`
	Queries []string        `json:"queries"`
	Top     int             `json:"top"`
	Profile json.RawMessage `json:"profile"`
	Rules   []models.Rule   `json:"rules"`
	Filters *previewFilters `json:"filters"`
	Device  string          `json:"device"`
	User    string          `json:"user"`
	Region  string          `json:"region"`
	N       int             `json:"n"`  // the top N compared; 20 when absent
	At      time.Time       `json:"at"` // the time to rank at (rule windows); now when absent
}

type previewFilters struct {
	Brand    []string `json:"brand"`
	Category string   `json:"category"`
	PriceMin float64  `json:"price_min"`
	PriceMax float64  `json:"price_max"`
	Platform string   `json:"platform"`
	InStock  bool     `json:"in_stock"`
	Region   string   `json:"region"`
}

// preview compares the published ranking with a draft; nothing is saved.
func (s *Server) preview(c *gin.Context) {
	var b previewBody
	if err := decodeBody(c, &b); err != nil {
		s.fail(c, err)
		return
	}
	pr, err := s.previewRequest(&b)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(pr.Queries) == 0 { // top N of an empty log
		s.respond(c, http.StatusOK, query.PreviewResult{Queries: []query.QueryPreview{}})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.SearchTimeout*time.Duration(min(len(pr.Queries), 10)))
	defer cancel()
	res, err := s.engine.Preview(ctx, pr)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, res)
}

func (s *Server) previewRequest(b *previewBody) (query.PreviewRequest, error) {
	var pr query.PreviewRequest
	sources := 0
	if b.Query != nil {
		sources++
		pr.Queries = []string{*b.Query}
	}
	if b.Queries != nil {
		sources++
		pr.Queries = b.Queries
	}
	if b.Top != 0 {
		sources++
		if b.Top < 0 || b.Top > maxPreviewQueries {
			return pr, invalid("top", "want 1 to %d queries", maxPreviewQueries)
		}
		for _, q := range s.engine.TopQueries(b.Top) {
			pr.Queries = append(pr.Queries, q.Query)
		}
	}
	if sources != 1 {
		return pr, models.Errorf(models.EINVALID, "give one of query, queries and top")
	}
	if len(pr.Queries) > maxPreviewQueries || b.Queries != nil && len(b.Queries) == 0 {
		return pr, invalid("queries", "want 1 to %d queries", maxPreviewQueries)
	}
	for _, q := range pr.Queries {
		if n := utf8.RuneCountInString(q); n > s.cfg.MaxQueryRunes {
			return pr, invalid("queries", "%q is %d characters long; the limit is %d", clip(q), n, s.cfg.MaxQueryRunes)
		}
	}
	switch t := bytes.TrimSpace(b.Profile); {
	case len(t) == 0 || string(t) == "null":
	case t[0] == '"':
		if err := json.Unmarshal(t, &pr.ProfileName); err != nil {
			return pr, invalid("profile", "%v", err)
		}
	case t[0] == '{':
		var wp models.WeightProfile
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wp); err != nil {
			return pr, invalid("profile", "%v", err)
		}
		pr.Profile = &wp
	default:
		return pr, invalid("profile", "want a draft profile object or the name of a profile")
	}
	pr.Rules = b.Rules
	if b.N < 0 || b.N > s.cfg.MaxPageSize {
		return pr, invalid("n", "want 1 to %d", s.cfg.MaxPageSize)
	}
	base := query.Request{Size: b.N, Device: b.Device, UserID: b.User, Now: b.At}
	if base.Size == 0 {
		base.Size = min(defaultPreviewN, s.cfg.MaxPageSize)
	}
	if f := b.Filters; f != nil {
		if len(f.Brand) > s.cfg.MaxBrands {
			return pr, invalid("filters.brand", "%d brands given; the limit is %d", len(f.Brand), s.cfg.MaxBrands)
		}
		if f.Platform != "" && f.Platform != string(models.PlatformSelf) && f.Platform != string(models.PlatformPOP) {
			return pr, invalid("filters.platform", "want self or pop, got %q", clip(f.Platform))
		}
		base.Filter = rank.Filter{Brands: f.Brand, CategoryPrefix: strings.TrimSpace(f.Category), PriceMin: f.PriceMin,
			PriceMax: f.PriceMax, Platform: models.Platform(f.Platform), InStock: f.InStock, Region: f.Region}
	}
	if b.Region != "" {
		if base.Filter.Region != "" && base.Filter.Region != b.Region {
			return pr, invalid("region", "%q differs from filters.region %q", clip(b.Region), clip(base.Filter.Region))
		}
		base.Filter.Region = b.Region
	}
	pr.Base = base
	return pr, nil
}
