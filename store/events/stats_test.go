package events

import (
	"fmt"
	"math"
	"testing"
	"time"

	"shopsearch/models"
)

func TestFitBeta(t *testing.T) {
	def := Beta{2, 98}
	spread := func(n int, lo, hi float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		}
		return out
	}
	tests := []struct {
		name  string
		rates []float64
		mean  float64 // 0: want def
	}{
		{"too few", spread(29, 0.01, 0.05), 0},
		{"no variance", spread(40, 0.03, 0.03), 0},
		{"all zero", make([]float64, 40), 0},
		{"spread", spread(100, 0.01, 0.05), 0.03},
		{"too much variance", append(make([]float64, 50), spread(50, 1, 1)...), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FitBeta(tt.rates, def)
			if tt.mean == 0 {
				if got != def {
					t.Errorf("%+v, want the default", got)
				}
				return
			}
			if math.Abs(got.Mean()-tt.mean) > 1e-9 || got.Alpha <= 0 || got.Beta <= 0 {
				t.Errorf("%+v (mean %v), want mean %v", got, got.Mean(), tt.mean)
			}
			// The variance of the fitted Beta is the rates' variance.
			var v float64
			for _, r := range tt.rates {
				v += (r - tt.mean) * (r - tt.mean)
			}
			v /= float64(len(tt.rates))
			a, b := got.Alpha, got.Beta
			if fv := a * b / ((a + b) * (a + b) * (a + b + 1)); math.Abs(fv-v)/v > 1e-9 {
				t.Errorf("fitted variance %v, want %v", fv, v)
			}
		})
	}
}

// TestStatsPush: the first push reads every item with behaviour, later
// ones only those changed; the priors are fitted to the population.
func TestStatsPush(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	today := now.Unix() / 86400
	var b models.BehaviorBatch
	for i := range 50 { // CTRs 1 %..5 %, 1000 impressions each
		b.Items = append(b.Items, models.ItemDelta{Item: fmt.Sprint("i", i), Day: today - int64(i%20),
			Counts: models.ItemCounts{Impressions: 1000, Clicks: int64(10 + i%5*10), Purchases: 1}})
	}
	if err := st.RecordBehavior(ctx, &b); err != nil {
		t.Fatal(err)
	}
	var pushed [][]models.ItemStats
	s := NewStats(StatsConfig{Now: fixedNow}, st, func(x []models.ItemStats) error { pushed = append(pushed, x); return nil })
	if n, err := s.Push(ctx); err != nil || n != 50 {
		t.Fatalf("first push: %d, %v; want 50", n, err)
	}
	ctr, _ := s.Priors()
	if math.Abs(ctr.Mean()-0.03) > 1e-9 || ctr == DefaultStatsConfig().CTRPrior {
		t.Errorf("CTR prior %+v (mean %v), want fitted with mean 0.03", ctr, ctr.Mean())
	}
	got := pushed[0][0]
	if want := ctr.Smooth(got.Day30.Clicks, got.Day30.Impressions); got.CTR != want {
		t.Errorf("CTR %v, want %v", got.CTR, want)
	}
	if n, _ := s.Push(ctx); n != 50 {
		t.Errorf("second push within the overlap: %d items, want all 50 again", n)
	}
	s.since = now.Add(5 * time.Second) // as if the last push were after the overlap
	if n, _ := s.Push(ctx); n != 0 {
		t.Errorf("a push with nothing changed pushed %d items", n)
	}
	it, err := s.Item(ctx, "i3")
	if err != nil || it.Day30.Clicks != 40 || it.CVR <= 0 {
		t.Errorf("Item(i3): %+v, %v", it, err)
	}
}
