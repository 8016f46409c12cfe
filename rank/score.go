package rank

import (
	"math"
	"slices"
	"strings"
	"time"

	"shopsearch/models"
)

// DefaultProfile is the profile used when none is configured: text
// relevance dominates, commercial factors order items of similar relevance.
func DefaultProfile() models.WeightProfile {
	return models.WeightProfile{
		Name: "default",
		Weights: map[string]float64{
			models.FactorText:     1.0,
			models.FactorStock:    0.10,
			models.FactorNew:      0.03,
			models.FactorSales:    0.08,
			models.FactorAmount:   0.02,
			models.FactorPromo:    0.03,
			models.FactorCategory: 0.05,
			models.FactorCTR:      0.03,
			models.FactorCVR:      0.03,
			models.FactorSelf:     0.03,
			models.FactorRegion:   0.05,
			models.FactorBrand:    0.10,
			models.FactorCatBoost: 0.10,
		},
		OutOfStock:      "last",
		NewHalfLifeDays: 30,
	}
}

// Explanation is why an item ranks where it does.
type Explanation struct {
	TextScore     float64            `json:"text_score"`    // raw BM25
	Tier          uint8              `json:"tier"`          // 0 = every term matched
	Factors       map[string]float64 `json:"factors"`       // factor value in [0, 1] (boosts [-1, 1])
	Contributions map[string]float64 `json:"contributions"` // weight × value
	Score         float64            `json:"score"`         // the sum
	Rules         []string           `json:"rules,omitempty"`
	OutOfStock    bool               `json:"out_of_stock,omitempty"`
}

// population holds catalog-wide statistics that normalise the factors.
type population struct {
	salesRef, amountRef float64 // 99th percentiles (saturation points)
	ctrAlpha, ctrBeta   float64 // Beta prior of CTR, fitted by moments
	ctrPrior            float64 // its mean
	cvrAlpha, cvrBeta   float64 // Beta prior of conversion (units sold per click)
	cvrPrior            float64 // its mean
}

// refreshPopulation recomputes the statistics; callers hold the write lock.
func (s *Store) refreshPopulation() {
	var sales, amount []float64
	var ctrs, cvrs []float64
	for o := range s.products.len() {
		if !s.live[o] {
			continue
		}
		if f := &s.feat[o]; f.clicks >= 50 {
			cvrs = append(cvrs, float64(min(f.sales, f.clicks))/float64(f.clicks))
		}
		if s.feat[o].sales > 0 {
			sales = append(sales, float64(s.feat[o].sales))
		}
		if s.feat[o].amount > 0 {
			amount = append(amount, s.feat[o].amount)
		}
		if s.feat[o].impressions >= 100 {
			ctrs = append(ctrs, float64(s.feat[o].clicks)/float64(s.feat[o].impressions))
		}
	}
	p := population{salesRef: p99(sales), amountRef: p99(amount), ctrPrior: 0.02, ctrAlpha: 2, ctrBeta: 98,
		cvrPrior: 0.05, cvrAlpha: 1, cvrBeta: 19}
	if a, b, ok := betaByMoments(ctrs); ok {
		p.ctrAlpha, p.ctrBeta, p.ctrPrior = a, b, a/(a+b)
	}
	if a, b, ok := betaByMoments(cvrs); ok {
		p.cvrAlpha, p.cvrBeta, p.cvrPrior = a, b, a/(a+b)
	}
	s.pop = p
}

// betaByMoments fits a Beta(α, β) to rates by the method of moments; ok is
// false with fewer than 30 rates or when their spread admits no Beta.
func betaByMoments(rates []float64) (alpha, beta float64, ok bool) {
	if len(rates) < 30 {
		return 0, 0, false
	}
	var mean, v float64
	for _, c := range rates {
		mean += c
	}
	mean /= float64(len(rates))
	for _, c := range rates {
		v += (c - mean) * (c - mean)
	}
	v /= float64(len(rates))
	if mean <= 0 || v <= 0 || v >= mean*(1-mean) {
		return 0, 0, false
	}
	k := mean*(1-mean)/v - 1
	return mean * k, (1 - mean) * k, true
}

func p99(v []float64) float64 {
	if len(v) == 0 {
		return 1
	}
	slices.Sort(v)
	return max(1, v[int(0.99*float64(len(v)-1))])
}

// scorer computes factor values for one request.
type scorer struct {
	s        *Store
	profile  *models.WeightProfile
	now      time.Time
	region   uint64 // the shopper's region bit, 0 = none
	maxText  float64
	catShare map[uint32]float64 // category → share among the top text matches
	brandB   map[uint32]float64
	catB     []catBoost
	w        factorVec
}

type catBoost struct {
	prefix string
	value  float64
}

// newScorer prepares scoring of rows for profile; rows are the filtered candidates.
func (s *Store) newScorer(rows []scored, profile *models.WeightProfile, region string, now time.Time, extra []catBoost, extraBrand map[string]float64) *scorer {
	sc := &scorer{s: s, profile: profile, now: now, w: weights(profile)}
	if id, ok := s.regionID[region]; ok {
		sc.region = 1 << id
	}
	for _, r := range rows {
		if r.tier == 0 {
			sc.maxText = max(sc.maxText, r.score)
		}
	}
	if sc.maxText == 0 {
		for _, r := range rows {
			sc.maxText = max(sc.maxText, r.score)
		}
	}
	// The query's likely categories: those of its 50 best text matches
	// (in any order: only their categories are counted), kept by
	// selecting the best 50 whenever 100 have gathered.
	byText := func(a, b scored) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return int(a.ord) - int(b.ord)
	}
	top := make([]scored, 0, 101)
	for _, r := range rows {
		if r.tier != 0 {
			continue
		}
		if top = append(top, r); len(top) > 100 {
			SelectTop(top, 50, byText)
			top = top[:50]
		}
	}
	SelectTop(top, 50, byText)
	if len(top) > 50 {
		top = top[:50]
	}
	counts := map[uint32]int{}
	best := 0
	for _, r := range top {
		if c := s.feat[r.ord].catPath; c != 0 {
			counts[c]++
			best = max(best, counts[c])
		}
	}
	if best > 0 {
		sc.catShare = make(map[uint32]float64, len(counts))
		for c, n := range counts {
			sc.catShare[c] = float64(n) / float64(best)
		}
	}
	sc.brandB = map[uint32]float64{}
	for b, v := range profile.BrandBoost {
		if id, ok := s.interner.ids[strings.ToLower(strings.TrimSpace(b))]; ok {
			sc.brandB[id] += clamp(v, -1, 1)
		}
	}
	for b, v := range extraBrand {
		if id, ok := s.interner.ids[strings.ToLower(strings.TrimSpace(b))]; ok {
			sc.brandB[id] += v
		}
	}
	for p, v := range profile.CategoryBoost {
		sc.catB = append(sc.catB, catBoost{normCategory(p), clamp(v, -1, 1)})
	}
	sc.catB = append(sc.catB, extra...)
	return sc
}

// Factor indexes, in the order of models.Factors.
const (
	fText = iota
	fStock
	fNew
	fSales
	fAmount
	fPromo
	fCategory
	fCTR
	fCVR
	fSelf
	fRegion
	fBrand
	fCatBoost
	nFactors
)

type factorVec [nFactors]float64

// weights resolves a profile's weights into a vector.
func weights(p *models.WeightProfile) factorVec {
	var w factorVec
	for i, name := range models.Factors {
		w[i] = p.Weights[name]
	}
	return w
}

// factors returns the value of every factor for ordinal o with text score t.
func (sc *scorer) factors(o Ord, t float64) factorVec {
	s := sc.s
	x := &s.feat[o]
	var f factorVec
	if sc.maxText > 0 {
		f[fText] = t / sc.maxText
	}
	f[fStock] = stockValue(x.stock)
	if l := x.listed; l > 0 && sc.profile.NewHalfLifeDays > 0 {
		age := max(0, sc.now.Sub(time.Unix(l, 0)).Hours()/24)
		f[fNew] = math.Exp2(-age / sc.profile.NewHalfLifeDays)
	}
	f[fSales] = saturate(float64(x.sales), s.pop.salesRef)
	f[fAmount] = saturate(x.amount, s.pop.amountRef)
	if d := x.discount; d > 0 || x.promoTag {
		f[fPromo] = 0.5 + 0.5*min(1, d/0.5)
	}
	f[fCategory] = sc.catShare[x.catPath]
	ctr := (float64(x.clicks) + s.pop.ctrAlpha) / (float64(x.impressions) + s.pop.ctrAlpha + s.pop.ctrBeta)
	f[fCTR] = min(1, ctr/s.pop.ctrPrior/2) // an item at the prior scores 0.5
	cvr := (float64(min(x.sales, x.clicks)) + s.pop.cvrAlpha) / (float64(x.clicks) + s.pop.cvrAlpha + s.pop.cvrBeta)
	f[fCVR] = min(1, cvr/s.pop.cvrPrior/2)
	if x.selfRun {
		f[fSelf] = 1
	}
	if sc.region != 0 && x.regionStock&sc.region != 0 {
		f[fRegion] = 1
	}
	f[fBrand] = clamp(sc.brandB[x.brandID], -1, 1)
	if len(sc.catB) > 0 {
		var cb float64
		path := s.interner.strs[x.catPath]
		for _, b := range sc.catB {
			if categoryHasPrefix(path, b.prefix) {
				cb += b.value
			}
		}
		f[fCatBoost] = clamp(cb, -1, 1)
	}
	return f
}

// score is the weighted sum of the factors.
func (sc *scorer) score(o Ord, t float64) float64 {
	f := sc.factors(o, t)
	var sum float64
	for i := range f {
		sum += sc.w[i] * f[i]
	}
	return sum
}

// explain returns the breakdown of score.
func (sc *scorer) explain(o Ord, t float64, tier uint8) *Explanation {
	f := sc.factors(o, t)
	e := &Explanation{TextScore: t, Tier: tier, Factors: map[string]float64{}, Contributions: map[string]float64{},
		OutOfStock: sc.s.feat[o].stock == 0}
	for i, name := range models.Factors {
		e.Factors[name] = round4(f[i])
		e.Contributions[name] = round4(sc.w[i] * f[i])
		e.Score += sc.w[i] * f[i]
	}
	e.Score = round4(e.Score)
	return e
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// stockValue: unknown (-1) counts as in stock.
func stockValue(stock int64) float64 {
	switch {
	case stock == 0:
		return 0
	case stock > 0 && stock <= lowStock:
		return 0.5
	}
	return 1
}

// lowStock is the level at or under which an item is penalised as low stock.
const lowStock = 5

// saturate maps x ≥ 0 to [0, 1] logarithmically, reaching 1 at ref.
func saturate(x, ref float64) float64 {
	if x <= 0 {
		return 0
	}
	return min(1, math.Log1p(x)/math.Log1p(ref))
}

func clamp(x, lo, hi float64) float64 { return max(lo, min(hi, x)) }
