package eval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"

	"shopsearch/recall"
)

// SessionCase is one next-item prediction case: the session so far
// (oldest first) and the item that came next.
type SessionCase struct {
	Prefix []string
	Next   string
}

// NextItems recommends k items to follow a session prefix; it must be safe
// for concurrent calls.
type NextItems func(prefix []string, k int) []string

// Aggregate scores a whole set of recommendation lists at once (coverage,
// novelty), where a Metric scores one list.
type Aggregate func(lists [][]string) float64

// Coverage is the share of the universe items (the train items) that
// appear in at least one list.
func Coverage(universe int) Aggregate {
	return func(lists [][]string) float64 {
		seen := map[string]bool{}
		for _, l := range lists {
			for _, id := range l {
				seen[id] = true
			}
		}
		if universe == 0 {
			return 0
		}
		return float64(len(seen)) / float64(universe)
	}
}

// Novelty is the mean self-information, -log2(share), of every
// recommended item, share being the item's fraction of all train events
// (items with share 0 are skipped): higher means less popular items.
func Novelty(share func(item string) float64) Aggregate {
	return func(lists [][]string) float64 {
		var sum float64
		n := 0
		for _, l := range lists {
			for _, id := range l {
				if s := share(id); s > 0 {
					sum += -math.Log2(s)
					n++
				}
			}
		}
		if n == 0 {
			return 0
		}
		return sum / float64(n)
	}
}

// SessionStats are the figures `shopsearch eval sessions` prints: P@20
// (hit rate: the percentage of cases whose next item is in the 20, as in
// SR-GNN) and MRR@20 in percent, coverage and novelty as above.
type SessionStats struct {
	Cases    int
	P20      float64
	MRR20    float64
	Coverage float64
	Novelty  float64
}

func (s SessionStats) String() string {
	return fmt.Sprintf("P@20=%.2f MRR@20=%.2f coverage=%.4f novelty=%.2f", s.P20, s.MRR20, s.Coverage, s.Novelty)
}

// Sessions recommends 20 items for every case and averages the metrics.
// Cases whose next item the model never saw count as misses. universe is
// the number of train items and share their popularity shares.
func Sessions(ctx context.Context, rec NextItems, cases []SessionCase, universe int, share func(string) float64) (SessionStats, error) {
	const k = 20
	lists := make([][]string, len(cases))
	hit, rr := make([]float64, len(cases)), make([]float64, len(cases))
	hitAt, mrrAt := Recall(k), MRR(k)
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int, 1024)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				c := cases[i]
				l := rec(c.Prefix, k)
				if len(l) > k {
					l = l[:k]
				}
				rel := map[string]int{c.Next: 1}
				lists[i], hit[i], rr[i] = l, hitAt(l, rel), mrrAt(l, rel)
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return SessionStats{}, firstErr
	}
	st := SessionStats{Cases: len(cases)}
	if len(cases) == 0 {
		return st, fmt.Errorf("eval sessions: no test cases")
	}
	for i := range cases {
		st.P20 += hit[i]
		st.MRR20 += rr[i]
	}
	st.P20 = 100 * st.P20 / float64(len(cases))
	st.MRR20 = 100 * st.MRR20 / float64(len(cases))
	st.Coverage = Coverage(universe)(lists)
	st.Novelty = Novelty(share)(lists)
	return st, nil
}

// ModelNextItems adapts a recall model's session recommender, topped up
// from the hot list when it has fewer than k items (as a scene would).
func ModelNextItems(m *recall.Model) NextItems {
	rec := recall.Combine([]recall.Quota{{Recall: m.SessionRecaller(), Share: 1}}, m.HotRecaller())
	return func(prefix []string, k int) []string {
		cs := rec(context.Background(), recall.Request{Items: prefix, N: k})
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Item
		}
		return out
	}
}

// HoldOut splits sessions (oldest first) into the older ones, to train on,
// and test cases made from the newest frac of them with the SR-GNN
// augmentation: every prefix of a held-out session, paired with the item
// that follows it. The split depends only on the order, so it is
// reproducible.
func HoldOut(sessions []recall.Session, frac float64) ([]recall.Session, []SessionCase, error) {
	if !(frac > 0 && frac < 1) {
		return nil, nil, fmt.Errorf("holdout fraction must be between 0 and 1, got %v", frac)
	}
	cut := len(sessions) - int(math.Ceil(frac*float64(len(sessions))))
	var cases []SessionCase
	for _, s := range sessions[cut:] {
		for t := 1; t < len(s.Items); t++ {
			cases = append(cases, SessionCase{Prefix: s.Items[:t], Next: s.Items[t]})
		}
	}
	return sessions[:cut], cases, nil
}

// ReadSessionCases reads `prefix items<TAB>next item` lines (items
// space-separated, oldest first); blank lines are skipped.
func ReadSessionCases(path string) ([]SessionCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []SessionCase
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		prefix, next, ok := strings.Cut(text, "\t")
		next = strings.TrimSpace(next)
		if !ok || next == "" || strings.ContainsAny(next, " \t") {
			return nil, fmt.Errorf("%s line %d: want `prefix items<TAB>next item`", path, line)
		}
		items, err := recall.ParseItems(prefix)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("%s line %d: empty prefix", path, line)
		}
		out = append(out, SessionCase{Prefix: items, Next: next})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s line %d: %w", path, line+1, err)
	}
	return out, nil
}

// WriteSessionCases writes cases in the format ReadSessionCases reads.
func WriteSessionCases(w io.Writer, cases []SessionCase) error {
	bw := bufio.NewWriter(w)
	for _, c := range cases {
		bw.WriteString(strings.Join(c.Prefix, " "))
		bw.WriteByte('\t')
		bw.WriteString(c.Next)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteSessions writes sessions in the sessions-file format.
func WriteSessions(w io.Writer, sessions []recall.Session) error {
	bw := bufio.NewWriter(w)
	for _, s := range sessions {
		bw.WriteString(strings.Join(s.Items, " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
