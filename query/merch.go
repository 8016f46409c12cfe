package query

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/rank"
)

// maxUserIDBytes caps Request.UserID.
const maxUserIDBytes = 128

// merch is what a search is ranked with beyond the text: the weight
// profiles and the merchandiser rules.
type merch struct {
	profiles *rank.Profiles
	rules    *rank.Rulebook
}

// SetMerch attaches the weight profiles and merchandiser rules searches
// use from the next search on. Without profiles searches use
// rank.DefaultProfile; without rules none apply. Either may be nil.
func (e *Engine) SetMerch(p *rank.Profiles, r *rank.Rulebook) {
	e.merch.Store(&merch{profiles: p, rules: r})
}

// Merch returns what SetMerch attached (nils when nothing is).
func (e *Engine) Merch() (*rank.Profiles, *rank.Rulebook) {
	if m := e.merch.Load(); m != nil {
		return m.profiles, m.rules
	}
	return nil, nil
}

// NormalizeQuery is the form of a query that exact rules and the query log
// compare: dict.Normalize (full-width, case, traditional characters),
// words separated by one space.
func NormalizeQuery(s string) string {
	return strings.Join(strings.Fields(dict.Normalize(s)), " ")
}

// RulebookConfig returns the rulebook configuration that matches rules as
// Search sees queries: exact rules by NormalizeQuery, contains rules by the
// analyzer's leaves (the terms every result must have).
func RulebookConfig(an *dict.Analyzer) rank.RulebookConfig {
	cfg := rank.DefaultRulebookConfig()
	cfg.Normalize = NormalizeQuery
	cfg.Terms = func(s string) []string { return Analyze(Parse(s), an, nil).Required }
	return cfg
}

// ranking is what one search is ranked with.
type ranking struct {
	profile *models.WeightProfile // read only
	arm     string
	rules   []models.Rule
	set     *rank.RuleSet // the published rules they came from; nil: none
	browse  bool          // a category page
}

// ranking chooses the profile and the rules of a search.
func (e *Engine) ranking(req *Request, plan Plan) (ranking, error) {
	var rk ranking
	if req.Device != "" && !slices.Contains(rank.Devices, req.Device) {
		return rk, models.Errorf(models.EINVALID, "device: want %s, got %q", strings.Join(rank.Devices, " or "), req.Device)
	}
	if len(req.UserID) > maxUserIDBytes || !utf8.ValidString(req.UserID) {
		return rk, models.Errorf(models.EINVALID, "user id: want valid UTF-8 of at most %d bytes", maxUserIDBytes)
	}
	m := e.merch.Load()
	if m == nil {
		m = &merch{}
	}
	switch {
	case req.Draft != nil:
		d := *req.Draft
		if d.Name == "" {
			d.Name = "draft"
		}
		if err := rank.ValidateProfile(&d); err != nil {
			return rk, err
		}
		d.Version = 0
		rk.profile = &d
	case m.profiles != nil:
		c, err := m.profiles.Select(req.Device, req.UserID, req.Profile)
		if err != nil {
			return rk, err
		}
		rk.profile, rk.arm = c.Profile, c.Arm
	case req.Profile != "" && req.Profile != "default":
		return rk, models.Errorf(models.ENOTFOUND, "no profile %q: profiles are not configured", req.Profile)
	default:
		def := rank.DefaultProfile()
		rk.profile = &def
	}
	rk.browse = plan.Empty() && len(plan.Excluded) == 0 && strings.TrimSpace(req.Filter.CategoryPrefix) != ""
	var set *rank.RuleSet
	switch {
	case req.DraftRules != nil && m.rules == nil:
		return rk, models.Errorf(models.EUNAVAILABLE, "draft rules need the rulebook, which is not configured")
	case req.DraftRules != nil:
		var err error
		if set, err = m.rules.Draft(req.DraftRules); err != nil {
			return rk, err
		}
	case m.rules != nil:
		set = m.rules.Current()
		rk.set = set
	}
	switch {
	case set == nil:
	case rk.browse:
		rk.rules = set.For("", nil, req.Filter.CategoryPrefix)
	case !plan.Empty():
		rk.rules = set.For(NormalizeQuery(req.Text), plan.Required, "")
	}
	return rk, nil
}

// echo says in the response what ranked it, for logging.
func (rk ranking) echo(resp *Response) {
	resp.Profile, resp.ProfileVersion, resp.Arm = rk.profile.Name, rk.profile.Version, rk.arm
}

// browse fills resp with a page of the category req filters on.
func (e *Engine) browse(req Request, rk ranking, resp *Response) {
	res := e.store.Browse(rank.Request{
		Filter:  req.Filter,
		Sort:    req.Sort,
		Offset:  (req.Page - 1) * req.Size,
		Limit:   req.Size,
		Facets:  req.Facets,
		Profile: rk.profile,
		Rules:   rk.rules,
		Now:     req.Now,
		Explain: req.Explain,
	})
	resp.Total = res.Total
	if req.Facets {
		resp.Facets = &res.Facets
	}
	for _, h := range res.Hits {
		it := item(h, html.EscapeString(h.Product.Title))
		it.Explain = h.Explain
		resp.Items = append(resp.Items, it)
	}
}

// logQuery counts a shopper's search in the query log: first pages only,
// not previews or requests with debug parameters.
func (e *Engine) logQuery(req Request) {
	if req.Page == 1 && !req.preview && req.Profile == "" && !req.Explain && req.Draft == nil && req.DraftRules == nil {
		e.queries.Add(NormalizeQuery(req.Text))
	}
}

// TopQueries returns the n most searched queries (normalised; see
// QueryLog) since the engine started.
func (e *Engine) TopQueries(n int) []QueryCount { return e.queries.Top(n) }
