package server

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
)

// Text parameter limits, in runes unless noted.
const (
	maxBrandRunes    = 100
	maxCategoryRunes = 300
	maxRegionBytes   = 32
)

// search serves GET /api/search.
func (s *Server) search(c *gin.Context) {
	req, err := s.parseSearch(c.Request.URL.RawQuery)
	if err == nil {
		err = s.checkRanking(c, req) // explain and profile are for admins (admin.go)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.SearchTimeout)
	defer cancel()
	resp, err := s.engine.Search(ctx, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	correct, err := parseCorrect(c.Query("correct"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := s.maybeCorrect(ctx, req, resp, correct) // correct.go
	resp = out.Response
	s.metrics.observeSearch(resp, out.Correction != nil)
	if out.Correction != nil {
		c.Header(correctedHeader, url.QueryEscape(out.Correction.To))
	}
	// Facets are always asked for, but an empty query skips them: give
	// clients the same shape every time.
	if resp.Facets == nil {
		resp.Facets = &rank.Facets{}
	}
	if resp.Facets.Brand == nil {
		resp.Facets.Brand = []rank.Bucket{}
	}
	if resp.Facets.Category == nil {
		resp.Facets.Category = []rank.Bucket{}
	}
	if resp.Facets.Price == nil {
		resp.Facets.Price = []rank.PriceBand{}
	}
	if req.Explain { // how synonyms widened the query (lexicon.go)
		out.Synonyms = s.engine.ExplainQuery(resp.Query).Synonyms
	}
	s.respond(c, http.StatusOK, out)
}

// parseCorrect reads the correct parameter: absent or true corrects a
// query that finds nothing (correct.go), false searches it as typed.
func parseCorrect(v string) (bool, error) {
	switch v {
	case "", "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, invalid("correct", "want true, false, 1 or 0, got %q", clip(v))
}

// params reads a query string, naming the parameter in every error.
type params struct {
	v   url.Values
	err error
}

func invalid(name, format string, args ...any) error {
	return models.Errorf(models.EINVALID, name+": "+format, args...)
}

// one returns the only value of a parameter, "" when absent.
func (p *params) one(name string) string {
	vs := p.v[name]
	switch {
	case p.err != nil || len(vs) == 0:
		return ""
	case len(vs) > 1:
		p.err = invalid(name, "given %d times; give it once", len(vs))
		return ""
	}
	return p.text(name, vs[0])
}

// text checks that a value is valid UTF-8 and free of control characters
// (tabs and newlines become spaces), and trims it.
func (p *params) text(name, v string) string {
	if !utf8.ValidString(v) {
		p.fail(invalid(name, "not valid UTF-8"))
		return ""
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		v = strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
				return ' '
			case unicode.IsControl(r):
				p.fail(invalid(name, "contains a control character (%U)", r))
			}
			return r
		}, v)
	}
	return strings.TrimSpace(v)
}

func (p *params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// integer reads a whole number in [lo, hi]; absent is 0.
func (p *params) integer(name string, lo, hi int) int {
	v := p.one(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(invalid(name, "want a whole number from %d to %d, got %q", lo, hi, clip(v)))
		return 0
	}
	return n
}

// price reads a finite, non-negative amount; absent is 0.
func (p *params) price(name string) float64 {
	v := p.one(name)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		p.fail(invalid(name, "want a price of 0 or more in yuan, got %q", clip(v)))
		return 0
	}
	return f
}

// limit fails when a value's length n is over max.
func (p *params) limit(name string, n, max int, unit string) {
	if n > max {
		p.fail(invalid(name, "%d %s long; the limit is %d", n, unit, max))
	}
}

// parseSearch turns the query string of /api/search into an engine request.
func (s *Server) parseSearch(raw string) (query.Request, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return query.Request{}, models.Errorf(models.EINVALID, "malformed query string: %v", err)
	}
	p := &params{v: v}
	req := query.Request{Facets: true}

	req.Text = p.one("q")
	p.limit("q", utf8.RuneCountInString(req.Text), s.cfg.MaxQueryRunes, "characters")
	req.Page = p.integer("page", 1, s.cfg.MaxResults)
	req.Size = p.integer("size", 1, s.cfg.MaxPageSize)
	if req.Size == 0 {
		req.Size = s.cfg.DefaultPageSize
	}
	if p.err == nil && (max(req.Page, 1)-1)*req.Size >= s.cfg.MaxResults {
		p.fail(invalid("page", "page %d of %d results is beyond the first %d results, the most that can be shown",
			req.Page, req.Size, s.cfg.MaxResults))
	}

	for _, b := range v["brand"] {
		for _, part := range strings.Split(b, ",") {
			if part = p.text("brand", part); part != "" {
				p.limit("brand", utf8.RuneCountInString(part), maxBrandRunes, "characters")
				req.Filter.Brands = append(req.Filter.Brands, part)
			}
		}
	}
	if n := len(req.Filter.Brands); n > s.cfg.MaxBrands {
		p.fail(invalid("brand", "%d brands given; the limit is %d", n, s.cfg.MaxBrands))
	}
	req.Filter.CategoryPrefix = p.one("category")
	p.limit("category", utf8.RuneCountInString(req.Filter.CategoryPrefix), maxCategoryRunes, "characters")
	req.Filter.Region = p.one("region")
	p.limit("region", len(req.Filter.Region), maxRegionBytes, "bytes")

	req.Filter.PriceMin = p.price("price_min")
	req.Filter.PriceMax = p.price("price_max")
	if f := req.Filter; p.err == nil && f.PriceMax > 0 && f.PriceMin > f.PriceMax {
		p.fail(invalid("price_min", "%g is above price_max %g", f.PriceMin, f.PriceMax))
	}

	switch pl := p.one("platform"); pl {
	case "":
	case string(models.PlatformSelf), string(models.PlatformPOP):
		req.Filter.Platform = models.Platform(pl)
	default:
		p.fail(invalid("platform", "want self or pop, got %q", clip(pl)))
	}
	switch st := p.one("in_stock"); st {
	case "", "false", "0":
	case "true", "1":
		req.Filter.InStock = true
	default:
		p.fail(invalid("in_stock", "want true, false, 1 or 0, got %q", clip(st)))
	}
	sortName := p.one("sort")
	sort, ok := rank.ParseSort(sortName)
	if !ok {
		p.fail(invalid("sort", "want relevance, sales, price_asc, price_desc or newest, got %q", clip(sortName)))
	}
	req.Sort = sort
	p.ranking(&req) // explain, device, user, profile (admin.go)
	return req, p.err
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
