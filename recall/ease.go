package recall

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// EASE is Steck's closed-form item-item model (Embarrassingly Shallow
// Autoencoder) for implicit feedback:
//
//	P = (XᵀX + λI)⁻¹,  B = I − P·diag(1/diag(P))   (so B_ii = 0)
//
// with X the binary user × item matrix; a user's score for item j is
// Σ_{i∈user} B_ij. It needs a dense items × items matrix, so it suits
// catalogs of up to some ten thousand items (MovieLens: 1,682).
type EASE struct {
	ids   []string
	index map[string]int32
	pop   []float32
	b     []float32 // row-major items × items
}

// MaxEASEItems caps TrainEASE (the model is items² floats).
const MaxEASEItems = 20000

// TrainEASE fits EASE on user histories (each a set of item ids; repeats
// count once) with ridge penalty lambda > 0.
func TrainEASE(histories [][]string, lambda float64) (*EASE, error) {
	if !(lambda > 0) {
		return nil, fmt.Errorf("recall: EASE lambda must be > 0, got %v", lambda)
	}
	e := &EASE{index: map[string]int32{}}
	rows := make([][]int32, len(histories))
	for u, h := range histories {
		seen := map[int32]bool{}
		for _, it := range h {
			id, ok := e.index[it]
			if !ok {
				id = int32(len(e.ids))
				e.index[it] = id
				e.ids = append(e.ids, it)
			}
			if !seen[id] {
				seen[id] = true
				rows[u] = append(rows[u], id)
			}
		}
	}
	n := len(e.ids)
	if n == 0 {
		return nil, fmt.Errorf("recall: EASE: no items")
	}
	if n > MaxEASEItems {
		return nil, fmt.Errorf("recall: EASE: %d items over the %d cap", n, MaxEASEItems)
	}
	g := mat.NewSymDense(n, nil)
	e.pop = make([]float32, n)
	for _, r := range rows {
		for _, i := range r {
			e.pop[i]++
			for _, j := range r {
				if j >= i {
					g.SetSym(int(i), int(j), g.At(int(i), int(j))+1)
				}
			}
		}
	}
	for i := 0; i < n; i++ {
		g.SetSym(i, i, g.At(i, i)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(g) {
		return nil, fmt.Errorf("recall: EASE: Gram matrix not positive definite")
	}
	var p mat.SymDense
	if err := chol.InverseTo(&p); err != nil {
		return nil, fmt.Errorf("recall: EASE: invert: %w", err)
	}
	e.b = make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				e.b[i*n+j] = float32(-p.At(i, j) / p.At(j, j))
			}
		}
	}
	return e, nil
}

// Recommend returns the n best items for a user who has items, leaving
// those out (and exclude, which may be nil). A user with no known items
// gets the most popular ones.
func (e *EASE) Recommend(items []string, n int, exclude func(string) bool) []Candidate {
	k := len(e.ids)
	score := make([]float64, k)
	have := make([]bool, k)
	known := 0
	for _, it := range items {
		i, ok := e.index[it]
		if !ok || have[i] {
			continue
		}
		have[i] = true
		known++
		row := e.b[int(i)*k : int(i+1)*k]
		for j, v := range row {
			score[j] += float64(v)
		}
	}
	top := newTopK(min(max(n, 0), MaxN))
	for j := 0; j < k; j++ {
		if have[j] || (exclude != nil && exclude(e.ids[j])) {
			continue
		}
		s := score[j] + 1e-9*float64(e.pop[j]) // popularity breaks ties (and serves the cold)
		if known == 0 {
			s = float64(e.pop[j])
		}
		top.push(int32(j), float32(s))
	}
	best := top.sorted()
	out := make([]Candidate, len(best))
	for i, b := range best {
		out[i] = Candidate{Item: e.ids[b.id], Score: float64(b.score), Source: "ease"}
	}
	return out
}
