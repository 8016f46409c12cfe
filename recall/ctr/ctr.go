// Package ctr is the learned click-through model of recommendation slots
// (features, training, prediction, its file) and the sample log it is
// trained on. It sits beside the recommendation service (package recall),
// which logs the served slots and retrains and reloads the model, and below
// rank, whose Store.RankSlot computes the features from its columns and ranks
// a slot by the prediction; it is a package of its own so that both can
// use it without rank depending on recall.
package ctr

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"

	"shopsearch/models"
)

// The learned CTR model of recommendation slots: logistic regression with
// an L2 penalty over the features of one candidate in one slot — how it
// was recalled (source, rescaled score), what the catalog knows of it
// (smoothed CTR, sales, clicks, newness, price band) and what the shopper's
// recent behaviour says of it (affinity to and recency of its category,
// earlier interactions with it). Numeric features are standardised with
// the training samples' mean and deviation; the source and the price band
// are one-hot. Serving (rank.Store.RankSlot) puts the predicted CTR where the recall
// score stands in the heuristic blend; the profile's commercial weights
// still apply.

// Features are what the CTR model sees of one candidate in one slot.
// The sample log (SampleLog) records them as served; the offline
// evaluation (package eval) fills them from replayed behaviour.
type Features struct {
	Source      string  `json:"src"`           // recall source (recall.Candidate.Source)
	Recall      float64 `json:"rs"`            // recall score rescaled per source to (0, 1]
	ItemCTR     float64 `json:"ctr"`           // the ctr factor, [0, 1] (0.5 at the prior)
	Sales       float64 `json:"sales"`         // the sales factor, [0, 1]
	Popularity  float64 `json:"pop"`           // clicks, log-saturated at PopularityRef
	New         float64 `json:"new"`           // the new factor, [0, 1]
	PriceBand   int     `json:"pb"`            // PriceBand of the effective price; 0 unknown
	CatAffinity float64 `json:"aff"`           // share of the shopper's recent items in its leaf category
	CatRecency  float64 `json:"rec"`           // 2^(−hours since the shopper last touched its leaf category / 24)
	Repeat      float64 `json:"rep,omitempty"` // the shopper's earlier interactions with it, log-saturated at 5
}

// PopularityRef is where the popularity feature saturates (clicks).
const PopularityRef = 10_000

// ctrNumeric names the numeric features, in vector order.
var ctrNumeric = []string{"recall", "item_ctr", "sales", "popularity", "new", "cat_affinity", "cat_recency", "repeat"}

const NNumeric = 8

func (f *Features) numeric() [NNumeric]float64 {
	return [NNumeric]float64{f.Recall, f.ItemCTR, f.Sales, f.Popularity, f.New, f.CatAffinity, f.CatRecency, f.Repeat}
}

// Price bands of the effective price, in yuan: 1 under 30, 2 under 100, 3
// under 300, 4 under 1,000, 5 from 1,000; 0 when the price is unknown.
var priceBandEdges = []float64{30, 100, 300, 1000}

// NPriceBands is the number of price bands, the unknown one included.
const NPriceBands = 6

// PriceBand returns the band of an effective price (0: unknown, ≤ 0).
func PriceBand(price float64) int {
	if !(price > 0) || math.IsInf(price, 0) {
		return 0
	}
	for i, e := range priceBandEdges {
		if price < e {
			return i + 1
		}
	}
	return len(priceBandEdges) + 1
}

// ShopperContext is what the CTR features know of the shopper: the
// categories of their recent items with when they touched them, and how
// often they interacted with each item.
type ShopperContext struct {
	Touches []Touch        // oldest first
	Items   map[string]int // interactions per recent item
}

// Touch is one recent interaction of the shopper with an item of Category.
type Touch struct {
	Category string // a category path; only its leaf counts
	At       time.Time
}

// categoryHalfLife is the half-life of the category recency feature.
const categoryHalfLife = 24 * time.Hour

// ShopperFeatures fills f's shopper part for an item of category (a path;
// its leaf is compared) and id at now.
func (c *ShopperContext) ShopperFeatures(f *Features, id, category string, now time.Time) {
	if c == nil {
		return
	}
	if n := c.Items[id]; n > 0 {
		f.Repeat = min(1, math.Log1p(float64(n))/math.Log1p(5))
	}
	if category == "" || len(c.Touches) == 0 {
		return
	}
	lf := models.Category(category).Leaf()
	var same int
	var last time.Time
	for _, t := range c.Touches {
		if t.Category == "" || models.Category(t.Category).Leaf() != lf {
			continue
		}
		same++
		if t.At.After(last) {
			last = t.At
		}
	}
	if same == 0 {
		return
	}
	f.CatAffinity = float64(same) / float64(len(c.Touches))
	age := max(0, now.Sub(last).Hours())
	f.CatRecency = math.Exp2(-age / categoryHalfLife.Hours())
}

// HeuristicScore is the heuristic blend restricted to what Features
// carry: the profile's text weight on the recall score plus its sales, ctr
// and new weights on those factors. It is the baseline the learned model
// is measured against (eval ctr); serving without a model blends every
// factor (rank.Store.RankSlot).
func HeuristicScore(f *Features, p *models.WeightProfile) float64 {
	w := p.Weights
	return w[models.FactorText]*f.Recall + w[models.FactorSales]*f.Sales + w[models.FactorCTR]*f.ItemCTR + w[models.FactorNew]*f.New
}

// Sample is one labelled impression of one item.
type Sample struct {
	Features Features
	Clicked  bool
}

// Config are the training settings; zero fields take DefaultConfig's.
type Config struct {
	L2            float64 // penalty λ/2·‖w‖² on the mean log-loss (not on the bias)
	MaxIterations int     // Newton steps
	MinSamples    int     // fewer samples (or no click, or no non-click) refuse to train
	// MaxSamples trains on the newest this many samples (the last of the
	// slice) at most, bounding the memory of a retraining.
	MaxSamples int
}

// DefaultConfig returns the training defaults.
func DefaultConfig() Config {
	return Config{L2: 1e-4, MaxIterations: 50, MinSamples: 100, MaxSamples: 1_000_000}
}

// ErrTooFewSamples is returned by Train when the samples cannot train a
// model (too few, or one class only).
var ErrTooFewSamples = errors.New("too few labelled samples to train a CTR model")

// Model is a trained CTR model; it is immutable and safe for concurrent
// use.
type Model struct {
	Trained   time.Time `json:"trained"`
	Samples   int       `json:"samples"`
	Positives int       `json:"positives"`
	L2        float64   `json:"l2"`
	// Sources is the one-hot vocabulary of recall sources (others: none hot).
	Sources []string `json:"sources"`
	// Mean and Std standardise the numeric features (ctrNumeric order).
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
	// Weights: numeric features, then sources, then price bands.
	Weights  []float64 `json:"weights"`
	Bias     float64   `json:"bias"`
	LogLoss  float64   `json:"train_logloss"` // mean log-loss on the training samples
	Iterates int       `json:"iterations"`
}

// dim is the length of the feature vector.
func (m *Model) dim() int { return NNumeric + len(m.Sources) + NPriceBands }

// encode writes f's vector into x (len dim).
func (m *Model) encode(f *Features, x []float64) {
	clear(x)
	num := f.numeric()
	for i, v := range num {
		if !isFinite(v) {
			v = m.Mean[i]
		}
		x[i] = (v - m.Mean[i]) / m.Std[i]
	}
	if k := slices.Index(m.Sources, f.Source); k >= 0 {
		x[NNumeric+k] = 1
	}
	if b := f.PriceBand; b >= 0 && b < NPriceBands {
		x[NNumeric+len(m.Sources)+b] = 1
	}
}

// featureName names vector position i.
func (m *Model) featureName(i int) string {
	switch {
	case i < NNumeric:
		return ctrNumeric[i]
	case i < NNumeric+len(m.Sources):
		return "source=" + m.Sources[i-NNumeric]
	}
	return fmt.Sprintf("price_band=%d", i-NNumeric-len(m.Sources))
}

// Predict returns the predicted click probability of f.
func (m *Model) Predict(f *Features) float64 {
	var buf [32]float64
	x := buf[:0]
	if d := m.dim(); d <= len(buf) {
		x = buf[:d]
	} else {
		x = make([]float64, d)
	}
	m.encode(f, x)
	z := m.Bias
	for i, v := range x {
		z += m.Weights[i] * v
	}
	return Sigmoid(z)
}

// Explanation is the model's view of one item: the predicted CTR and
// the features that moved it most (weight × encoded value, in logits).
type Explanation struct {
	PCTR          float64               `json:"pctr"`
	Bias          float64               `json:"bias"`
	Contributions []FeatureContribution `json:"contributions"`
}

// FeatureContribution is one feature's share of the logit.
type FeatureContribution struct {
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`        // the raw feature (1 for a one-hot)
	Logit   float64 `json:"contribution"` // weight × encoded value
}

// Explain returns the predicted CTR of f and its top contributions by
// magnitude (at most top).
func (m *Model) Explain(f *Features, top int) *Explanation {
	x := make([]float64, m.dim())
	m.encode(f, x)
	num := f.numeric()
	e := &Explanation{PCTR: round4(m.Predict(f)), Bias: round4(m.Bias)}
	for i, v := range x {
		if v == 0 {
			continue
		}
		raw := 1.0
		if i < NNumeric {
			raw = num[i]
		}
		e.Contributions = append(e.Contributions, FeatureContribution{Feature: m.featureName(i), Value: round4(raw), Logit: round4(m.Weights[i] * v)})
	}
	slices.SortStableFunc(e.Contributions, func(a, b FeatureContribution) int {
		switch {
		case math.Abs(a.Logit) > math.Abs(b.Logit):
			return -1
		case math.Abs(a.Logit) < math.Abs(b.Logit):
			return 1
		}
		return 0
	})
	if len(e.Contributions) > top {
		e.Contributions = e.Contributions[:top]
	}
	return e
}

// String describes the model for logs.
func (m *Model) String() string {
	return fmt.Sprintf("ctr model: samples=%d positives=%d sources=%d train_logloss=%.4f trained=%s",
		m.Samples, m.Positives, len(m.Sources), m.LogLoss, m.Trained.UTC().Format(time.RFC3339))
}

// validate checks a model's shape (a loaded file's).
func (m *Model) Validate() error {
	if len(m.Mean) != NNumeric || len(m.Std) != NNumeric {
		return fmt.Errorf("standardisation of %d/%d features, want %d", len(m.Mean), len(m.Std), NNumeric)
	}
	if len(m.Sources) > 64 {
		return fmt.Errorf("%d sources; at most 64", len(m.Sources))
	}
	if len(m.Weights) != m.dim() {
		return fmt.Errorf("%d weights, want %d", len(m.Weights), m.dim())
	}
	for i := range m.Std {
		if !(m.Std[i] > 0) || !isFinite(m.Std[i]) || !isFinite(m.Mean[i]) {
			return fmt.Errorf("feature %s: bad standardisation %v ± %v", ctrNumeric[i], m.Mean[i], m.Std[i])
		}
	}
	for _, w := range append(slices.Clone(m.Weights), m.Bias) {
		if !isFinite(w) {
			return fmt.Errorf("weight %v is not finite", w)
		}
	}
	return nil
}

// Train fits the model to samples by Newton's method (iteratively
// reweighted least squares, the Newton systems solved by gonum's Cholesky):
// the mean log-loss plus λ/2·‖w‖², numeric features standardised, sources
// seen at least 10 times one-hot.
func Train(samples []Sample, cfg Config) (*Model, error) {
	def := DefaultConfig()
	if cfg.L2 < 0 || !isFinite(cfg.L2) {
		return nil, fmt.Errorf("rank: ctr: l2 %v: want ≥ 0", cfg.L2)
	}
	if cfg.L2 == 0 {
		cfg.L2 = def.L2
	}
	if cfg.MaxIterations <= 0 {
		cfg.MaxIterations = def.MaxIterations
	}
	if cfg.MinSamples <= 0 {
		cfg.MinSamples = def.MinSamples
	}
	if cfg.MaxSamples <= 0 {
		cfg.MaxSamples = def.MaxSamples
	}
	if len(samples) > cfg.MaxSamples {
		samples = samples[len(samples)-cfg.MaxSamples:]
	}
	pos := 0
	srcCount := map[string]int{}
	for i := range samples {
		if samples[i].Clicked {
			pos++
		}
		if s := samples[i].Features.Source; s != "" {
			srcCount[s]++
		}
	}
	if len(samples) < cfg.MinSamples || pos == 0 || pos == len(samples) {
		return nil, fmt.Errorf("rank: ctr: %d samples, %d clicked (want at least %d with both classes): %w",
			len(samples), pos, cfg.MinSamples, ErrTooFewSamples)
	}
	m := &Model{Trained: time.Now().UTC(), Samples: len(samples), Positives: pos, L2: cfg.L2,
		Mean: make([]float64, NNumeric), Std: make([]float64, NNumeric)}
	for s, n := range srcCount {
		if n >= 10 && len(m.Sources) < 64 { // a rare source stays at the reference level
			m.Sources = append(m.Sources, s)
		}
	}
	slices.Sort(m.Sources)
	// Standardisation.
	for i := range samples {
		for j, v := range samples[i].Features.numeric() {
			if isFinite(v) {
				m.Mean[j] += v
			}
		}
	}
	n := float64(len(samples))
	for j := range m.Mean {
		m.Mean[j] /= n
	}
	for i := range samples {
		for j, v := range samples[i].Features.numeric() {
			if isFinite(v) {
				m.Std[j] += (v - m.Mean[j]) * (v - m.Mean[j])
			}
		}
	}
	for j := range m.Std {
		if m.Std[j] = math.Sqrt(m.Std[j] / n); m.Std[j] < 1e-9 {
			m.Std[j] = 1 // constant: its encoded value is 0
		}
	}
	d := m.dim()
	X := make([]float64, len(samples)*d)
	y := make([]float64, len(samples))
	for i := range samples {
		m.encode(&samples[i].Features, X[i*d:(i+1)*d])
		if samples[i].Clicked {
			y[i] = 1
		}
	}
	w, iters, err := irls(X, y, d, cfg.L2, cfg.MaxIterations, float64(pos)/n)
	if err != nil {
		return nil, fmt.Errorf("rank: ctr: %w", err)
	}
	m.Weights, m.Bias, m.Iterates = w[:d], w[d], iters
	var ll float64
	for i := range y {
		z := m.Bias
		for j, v := range X[i*d : (i+1)*d] {
			z += m.Weights[j] * v
		}
		ll += logLoss(z, y[i])
	}
	m.LogLoss = ll / n
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("rank: ctr: trained model: %w", err)
	}
	return m, nil
}

// logLoss is −log p(y | z) for a logit z, computed stably.
func logLoss(z, y float64) float64 {
	// log(1+e^z) − y·z
	var l float64
	if z > 0 {
		l = z + math.Log1p(math.Exp(-z))
	} else {
		l = math.Log1p(math.Exp(z))
	}
	return l - y*z
}

// Sigmoid is the logistic function 1/(1+e^-z), the CTR model's link,
// computed without overflow for z of either sign.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// irls minimises the mean log-loss of the rows of X (n × d, row-major) with
// labels y plus λ/2·‖w‖² (the bias, w[d], unpenalised) by Newton steps,
// halving a step that does not lower the objective. base is the positive
// rate, the bias's start.
func irls(X, y []float64, d int, lambda float64, maxIter int, base float64) ([]float64, int, error) {
	n := float64(len(y))
	k := d + 1
	w := make([]float64, k)
	w[k-1] = math.Log(base / (1 - base))
	objective := func(w []float64) float64 {
		var sum float64
		for i := range y {
			sum += logLoss(dotRow(X[i*d:(i+1)*d], w), y[i])
		}
		sum /= n
		for j := range d {
			sum += lambda / 2 * w[j] * w[j]
		}
		return sum
	}
	cur := objective(w)
	h := mat.NewSymDense(k, nil)
	g := make([]float64, k)
	xi := make([]float64, k)
	iters := 0
	for iters < maxIter {
		iters++
		h.Zero()
		hd := h.RawSymmetric().Data
		clear(g)
		for i := range y {
			copy(xi, X[i*d:(i+1)*d])
			xi[d] = 1
			p := Sigmoid(dotRow(X[i*d:(i+1)*d], w))
			r, s := p-y[i], p*(1-p)
			for a := range k {
				g[a] += r * xi[a]
				if xi[a] == 0 {
					continue
				}
				sa := s * xi[a]
				row := hd[a*k:]
				for b := a; b < k; b++ {
					row[b] += sa * xi[b]
				}
			}
		}
		for a := range k {
			g[a] /= n
			for b := a; b < k; b++ {
				hd[a*k+b] /= n
			}
			if a < d {
				g[a] += lambda * w[a]
				hd[a*k+a] += lambda
			}
			hd[a*k+a] += 1e-10 // keeps one-hot columns never set positive definite
		}
		var chol mat.Cholesky
		if !chol.Factorize(h) {
			return nil, iters, fmt.Errorf("newton step %d: the Hessian is not positive definite", iters)
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(k, g)); err != nil {
			return nil, iters, fmt.Errorf("newton step %d: %w", iters, err)
		}
		next := make([]float64, k)
		t, improved := 1.0, false
		for range 30 {
			for j := range k {
				next[j] = w[j] - t*step.AtVec(j)
			}
			if v := objective(next); isFinite(v) && v <= cur {
				improved = cur-v > 1e-12*max(1, cur)
				w, cur = next, v
				break
			}
			t /= 2
		}
		if !improved {
			break
		}
	}
	return w, iters, nil
}

// dotRow is the logit of row x (without the bias column) under w (bias last).
func dotRow(x, w []float64) float64 {
	z := w[len(w)-1]
	for j, v := range x {
		z += w[j] * v
	}
	return z
}
