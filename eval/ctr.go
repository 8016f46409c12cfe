package eval

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"shopsearch/rank"
	"shopsearch/recall"
	"shopsearch/recall/ctr"
)

// The CTR model measured on real behaviour (Taobao UserBehavior): each
// shopper's history is replayed in time order, and at the start of each of
// their sessions the home scene's recallers — trained on the oldest events
// only — recall candidates: the "impression". An item of it is a positive
// when the shopper interacts with it (a view, cart, favourite or purchase)
// within the window after that moment. Every feature is computed from what
// was known before it: the item counters from all shoppers' earlier events,
// the shopper features from the shopper's earlier events. Impressions are
// split by time: the older train the logistic regression, the newer test it
// against the heuristic blend (ctr.HeuristicScore, Platt-calibrated on
// the training impressions for its log-loss).

// CTREvalConfig configures EvalCTR; zero fields take DefaultCTREvalConfig's.
type CTREvalConfig struct {
	// RecallFrac: the events before this quantile of the event times train
	// the recall model; impressions start there.
	RecallFrac float64
	// TrainFrac: impressions before this quantile of the event times train
	// the CTR model; the later ones test it.
	TrainFrac  float64
	Window     time.Duration // a later interaction within this counts as a click
	Gap        time.Duration // a shopper's sessions are cut at gaps over this
	Candidates int           // recalled per impression
	History    int           // of the shopper's latest events the features and recall see
	Stride     int           // keep every Stride-th impression (a quicker, coarser run)
	K          int           // HR@K and NDCG@K
	L2         float64       // of the logistic regression (ctr.Config)
}

// DefaultCTREvalConfig returns the defaults: recall trained on the first
// half of the events, impressions of the next quarter train the CTR model
// and of the last quarter test it, 24-hour label window, 50 candidates.
func DefaultCTREvalConfig() CTREvalConfig {
	return CTREvalConfig{RecallFrac: 0.5, TrainFrac: 0.75, Window: 24 * time.Hour, Gap: 30 * time.Minute,
		Candidates: 50, History: 120, Stride: 1, K: 10, L2: ctr.DefaultConfig().L2}
}

// RankStats are one scorer's figures on the test impressions.
type RankStats struct {
	AUC, LogLoss, HR, NDCG float64
}

// CTRStats are EvalCTR's figures.
type CTRStats struct {
	TrainPoints, TestPoints   int // impressions
	TrainSamples, TestSamples int
	TrainPos, TestPos         int // clicked samples
	K                         int
	LR, Heuristic             RankStats
	Model                     *ctr.Model
}

// String is the fixed one-line summary eval ctr prints.
func (s CTRStats) String() string {
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	return fmt.Sprintf("ctr: impressions train=%d test=%d samples train=%d (%.2f%% clicked) test=%d (%.2f%% clicked) | "+
		"lr auc=%.4f logloss=%.4f hr@%d=%.4f ndcg@%d=%.4f | heuristic auc=%.4f logloss=%.4f hr@%d=%.4f ndcg@%d=%.4f",
		s.TrainPoints, s.TestPoints, s.TrainSamples, pct(s.TrainPos, s.TrainSamples), s.TestSamples, pct(s.TestPos, s.TestSamples),
		s.LR.AUC, s.LR.LogLoss, s.K, s.LR.HR, s.K, s.LR.NDCG,
		s.Heuristic.AUC, s.Heuristic.LogLoss, s.K, s.Heuristic.HR, s.K, s.Heuristic.NDCG)
}

// ctrPoint is one replayed impression.
type ctrPoint struct {
	user string
	at   int64
	// evs are the user's events (time order) and k the index of the first
	// at or after at.
	k       int
	samples []ctr.Sample
}

// EvalCTR replays evs (any order) and measures the CTR model against the
// heuristic blend.
func EvalCTR(ctx context.Context, evs []recall.Event, cfg CTREvalConfig) (CTRStats, error) {
	def := DefaultCTREvalConfig()
	if cfg.RecallFrac == 0 {
		cfg.RecallFrac = def.RecallFrac
	}
	if cfg.TrainFrac == 0 {
		cfg.TrainFrac = def.TrainFrac
	}
	if !(cfg.RecallFrac > 0 && cfg.RecallFrac < cfg.TrainFrac && cfg.TrainFrac < 1) {
		return CTRStats{}, fmt.Errorf("eval ctr: want 0 < recall fraction %v < train fraction %v < 1", cfg.RecallFrac, cfg.TrainFrac)
	}
	if cfg.Window <= 0 {
		cfg.Window = def.Window
	}
	if cfg.Gap <= 0 {
		cfg.Gap = def.Gap
	}
	if cfg.Candidates <= 0 {
		cfg.Candidates = def.Candidates
	}
	if cfg.History <= 0 {
		cfg.History = def.History
	}
	if cfg.Stride <= 0 {
		cfg.Stride = def.Stride
	}
	if cfg.K <= 0 {
		cfg.K = def.K
	}
	if cfg.L2 <= 0 {
		cfg.L2 = def.L2
	}
	if len(evs) < 100 {
		return CTRStats{}, fmt.Errorf("eval ctr: %d events; want at least 100", len(evs))
	}
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b recall.Event) int { return cmp.Compare(a.Time, b.Time) })
	tRecall := evs[int(cfg.RecallFrac*float64(len(evs)-1))].Time
	tTrain := evs[int(cfg.TrainFrac*float64(len(evs)-1))].Time
	tEnd := evs[len(evs)-1].Time
	window := int64(cfg.Window / time.Second)
	gap := int64(cfg.Gap / time.Second)

	// The recall model, on the oldest events.
	cats := map[string]string{}
	var old []recall.Event
	for _, e := range evs {
		cats[e.Item] = e.Category
		if e.Time < tRecall {
			old = append(old, e)
		}
	}
	model, err := recall.Build(recall.SessionsFromEvents(old, cfg.Gap), cats, recall.DefaultConfig())
	if err != nil {
		return CTRStats{}, fmt.Errorf("eval ctr: recall model: %w", err)
	}
	scenes, err := recall.SceneRecallers(recall.SceneDeps{Model: model, Content: modelContent(model, cats), Hot: model.HotRecaller(),
		Config: ctrHomeRecipe})
	if err != nil {
		return CTRStats{}, err
	}
	home := scenes[recall.SceneHome]

	// The impressions: every session start after tRecall whose window ends
	// within the data.
	users, byUser := recall.GroupByUser(evs)
	var points []ctrPoint
	for _, u := range users {
		ue := byUser[u]
		for k, e := range ue {
			if k > 0 && e.Time-ue[k-1].Time <= gap {
				continue
			}
			if e.Time >= tRecall && e.Time+window <= tEnd {
				points = append(points, ctrPoint{user: u, at: e.Time, k: k})
			}
		}
	}
	slices.SortStableFunc(points, func(a, b ctrPoint) int { return cmp.Compare(a.at, b.at) })
	var kept []ctrPoint
	for i := 0; i < len(points); i += cfg.Stride {
		kept = append(kept, points[i])
	}
	points = kept

	// Item counters as of each impression, advanced through the events.
	type counts struct{ views, intents, buys int }
	items := map[string]*counts{}
	var allViews, allIntents int
	next := 0
	advance := func(t int64) {
		for ; next < len(evs) && evs[next].Time < t; next++ {
			e := evs[next]
			c := items[e.Item]
			if c == nil {
				c = &counts{}
				items[e.Item] = c
			}
			if e.Type == recall.View {
				c.views++
				allViews++
			} else {
				c.intents++
				allIntents++
			}
			if e.Type == recall.Buy {
				c.buys++
			}
		}
	}
	// The sales factor's saturation point: the 99th percentile of the
	// items' purchases before the impressions start.
	advance(tRecall)
	var buys []float64
	for _, c := range items {
		if c.buys > 0 {
			buys = append(buys, float64(c.buys))
		}
	}
	slices.Sort(buys)
	salesRef := 1.0
	if len(buys) > 0 {
		salesRef = max(1, buys[int(0.99*float64(len(buys)-1))])
	}
	saturate := func(x, ref float64) float64 {
		if x <= 0 {
			return 0
		}
		return min(1, math.Log1p(x)/math.Log1p(ref))
	}

	for pi := range points {
		if pi%256 == 0 {
			if err := ctx.Err(); err != nil {
				return CTRStats{}, err
			}
		}
		p := &points[pi]
		advance(p.at)
		ue := byUser[p.user]
		hist := ue[max(0, p.k-cfg.History):p.k]
		now := time.Unix(p.at, 0)
		shopper := &ctr.ShopperContext{Items: map[string]int{}}
		bought := map[string]bool{}
		for _, e := range hist {
			shopper.Items[e.Item]++
			shopper.Touches = append(shopper.Touches, ctr.Touch{Category: e.Category, At: time.Unix(e.Time, 0)})
			if e.Type == recall.Buy {
				bought[e.Item] = true
			}
		}
		var recent []string
		seen := map[string]bool{}
		for i := len(hist) - 1; i >= 0 && len(recent) < 30; i-- {
			if id := hist[i].Item; !seen[id] {
				seen[id] = true
				recent = append(recent, id)
			}
		}
		slices.Reverse(recent)
		cands := home(ctx, recall.Request{User: p.user, Items: recent, N: cfg.Candidates, Exclude: func(id string) bool { return bought[id] }})
		recall.NormalizeScores(cands)
		clicked := map[string]bool{}
		for _, e := range ue[p.k:] {
			if e.Time >= p.at+window {
				break
			}
			clicked[e.Item] = true
		}
		rate := (float64(allIntents) + 1) / (float64(allViews) + 50)
		for _, c := range cands {
			f := ctr.Features{Source: c.Source, Recall: c.Score}
			if ic := items[c.Item]; ic != nil {
				smoothed := (float64(ic.intents) + 20*rate) / (float64(ic.views) + 20)
				f.ItemCTR = min(1, smoothed/rate/2)
				f.Sales = saturate(float64(ic.buys), salesRef)
				f.Popularity = saturate(float64(ic.views), ctr.PopularityRef)
			} else {
				f.ItemCTR = 0.5
			}
			shopper.ShopperFeatures(&f, c.Item, cats[c.Item], now)
			p.samples = append(p.samples, ctr.Sample{Features: f, Clicked: clicked[c.Item]})
		}
	}

	var st CTRStats
	st.K = cfg.K
	var train []ctr.Sample
	var test []ctrPoint
	for _, p := range points {
		pos := 0
		for _, s := range p.samples {
			if s.Clicked {
				pos++
			}
		}
		if p.at < tTrain {
			st.TrainPoints++
			st.TrainSamples += len(p.samples)
			st.TrainPos += pos
			train = append(train, p.samples...)
		} else {
			st.TestPoints++
			st.TestSamples += len(p.samples)
			st.TestPos += pos
			test = append(test, p)
		}
	}
	if st.TrainPoints == 0 || st.TestPoints == 0 {
		return st, fmt.Errorf("eval ctr: %d training and %d test impressions (sessions starting after the recall split, a window before the end); want both", st.TrainPoints, st.TestPoints)
	}
	ccfg := ctr.DefaultConfig()
	ccfg.L2 = cfg.L2
	m, err := ctr.Train(train, ccfg)
	if err != nil {
		return st, fmt.Errorf("eval ctr: %w", err)
	}
	st.Model = m
	profile := rank.DefaultProfile()
	heuristic := func(f *ctr.Features) float64 { return ctr.HeuristicScore(f, &profile) }
	a, b := platt(train, heuristic)
	st.LR = scoreImpressions(test, m.Predict, func(s float64) float64 { return s }, cfg.K)
	st.Heuristic = scoreImpressions(test, heuristic, func(s float64) float64 { return ctr.Sigmoid(a*s + b) }, cfg.K)
	return st, nil
}

// ctrHomeRecipe is the home recipe the replay recalls with: the shopper's
// session, neighbours and categories, and the overall hot list — the
// serving default before the catalog's spread recaller (doc/recommend.md),
// which needs a catalog's categories; the replay has the model's only.
// Kept fixed so that the CTR figures measure the CTR model, not a change of
// recipe.
var ctrHomeRecipe = recall.SceneConfig{recall.SceneHome: {
	Quotas: []recall.SceneQuota{{Recaller: recall.RecallerSession, Share: 0.4}, {Recaller: recall.RecallerItem, Share: 0.2},
		{Recaller: recall.RecallerContent, Share: 0.2}, {Recaller: recall.RecallerHot, Share: 0.2}},
	Fallbacks: []string{recall.RecallerHot},
}}

// modelContent is the offline Content recaller: the model's hot lists of
// the categories of the shopper's newest items, as the catalog's best
// sellers of those categories are at serving.
func modelContent(m *recall.Model, cats map[string]string) recall.Recaller {
	return func(_ context.Context, req recall.Request) []recall.Candidate {
		var cs []string
		for i := len(req.Items) - 1; i >= 0 && len(cs) < 3; i-- {
			if c := cats[req.Items[i]]; c != "" && !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
		var out []recall.Candidate
		for _, c := range cs {
			for _, x := range m.Hot(c, (req.N+len(cs)-1)/len(cs), req.Exclude) {
				x.Source = recall.SourceContent
				out = append(out, x)
			}
		}
		return out
	}
}

// scoreImpressions scores every test sample: AUC and log-loss pooled over
// the samples (prob maps a score to a probability), HR@k and NDCG@k over
// the impressions with a click, ranking each by score (ties: recall order).
func scoreImpressions(points []ctrPoint, score func(*ctr.Features) float64, prob func(float64) float64, k int) RankStats {
	var scores []float64
	var labels []bool
	var ll float64
	var hr, ndcg float64
	clickedPoints := 0
	for _, p := range points {
		ss := make([]float64, len(p.samples))
		pos := 0
		for i := range p.samples {
			s := score(&p.samples[i].Features)
			ss[i] = s
			scores = append(scores, s)
			labels = append(labels, p.samples[i].Clicked)
			q := min(max(prob(s), 1e-12), 1-1e-12)
			if p.samples[i].Clicked {
				ll -= math.Log(q)
				pos++
			} else {
				ll -= math.Log(1 - q)
			}
		}
		if pos == 0 {
			continue
		}
		clickedPoints++
		order := make([]int, len(ss))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case ss[a] > ss[b]:
				return -1
			case ss[a] < ss[b]:
				return 1
			}
			return 0
		})
		var dcg, idcg float64
		hit := false
		for r, i := range order[:min(k, len(order))] {
			if p.samples[i].Clicked {
				hit = true
				dcg += 1 / math.Log2(float64(r)+2)
			}
		}
		for r := range min(pos, k) {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		if hit {
			hr++
		}
		ndcg += dcg / idcg
	}
	st := RankStats{AUC: auc(scores, labels)}
	if len(scores) > 0 {
		st.LogLoss = ll / float64(len(scores))
	}
	if clickedPoints > 0 {
		st.HR, st.NDCG = hr/float64(clickedPoints), ndcg/float64(clickedPoints)
	}
	return st
}

// auc is the area under the ROC curve: the probability that a random
// positive scores above a random negative, ties counting half.
func auc(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return a - b
	})
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // the average 1-based rank of the tie group
		for _, x := range idx[i:j] {
			if labels[x] {
				pos++
				rankSum += mid
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// platt fits p = σ(a·s + b) to the samples' scores by Newton's method, so
// that a score that is not a probability gets a log-loss.
func platt(samples []ctr.Sample, score func(*ctr.Features) float64) (a, b float64) {
	var pos float64
	s := make([]float64, len(samples))
	for i := range samples {
		s[i] = score(&samples[i].Features)
		if samples[i].Clicked {
			pos++
		}
	}
	n := float64(len(samples))
	if pos == 0 || pos == n {
		return 0, 0
	}
	b = math.Log(pos / (n - pos))
	for range 50 {
		var ga, gb, haa, hab, hbb float64
		for i := range s {
			p := ctr.Sigmoid(a*s[i] + b)
			y := 0.0
			if samples[i].Clicked {
				y = 1
			}
			w := p * (1 - p)
			ga += (p - y) * s[i]
			gb += p - y
			haa += w * s[i] * s[i]
			hab += w * s[i]
			hbb += w
		}
		haa += 1e-9
		hbb += 1e-9
		det := haa*hbb - hab*hab
		if det <= 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a, b = a-da, b-db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	return a, b
}
