package recall

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// diginetica is the shared Diginetica sessions file (beside the repository).
var diginetica = filepath.Join("../../shared/data", "sessions/diginetica/train_sessions.txt")

func readDiginetica(b *testing.B) []Session {
	f, err := os.Open(diginetica)
	if err != nil {
		b.Skipf("shared data not found (%v): skipping the Diginetica benchmark", err)
	}
	defer f.Close()
	s, err := ReadSessions(f)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkBuildDiginetica times Build over the whole Diginetica train
// file with the default config (target ≤ 60 s).
func BenchmarkBuildDiginetica(b *testing.B) {
	s := readDiginetica(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(s, nil, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

var benchModel struct {
	once     sync.Once
	m        *Model
	prefixes [][]string
}

// BenchmarkNextInSession times one session recommendation (20 items) for
// prefixes of the newest 10% of Diginetica sessions, trained on the rest,
// and reports the p50 and p99 latency of the calls (target p99 ≤ 5 ms).
func BenchmarkNextInSession(b *testing.B) {
	benchLatency(b, func(m *Model, p []string) { m.NextInSession(p, 20, nil) })
}

// BenchmarkSimilar does the same for the item-to-item recaller.
func BenchmarkSimilar(b *testing.B) {
	benchLatency(b, func(m *Model, p []string) { m.Similar(p, 20, nil) })
}

func benchLatency(b *testing.B, call func(*Model, []string)) {
	s := readDiginetica(b)
	benchModel.once.Do(func() {
		cut := len(s) - len(s)/10
		m, err := Build(s[:cut], nil, DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		benchModel.m = m
		for _, t := range s[cut:] {
			for k := 1; k < len(t.Items); k++ {
				benchModel.prefixes = append(benchModel.prefixes, t.Items[:k])
			}
		}
	})
	m, ps := benchModel.m, benchModel.prefixes
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		call(m, ps[i%len(ps)])
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
