package eval

import (
	"fmt"

	"shopsearch/query"
)

// tuneVariants are the settings TestTuneGrade compares: the defaults and
// the ones around them of the last tuning round (doc/design.md,
// "Relevance").
func tuneVariants() []tuneVariant {
	v := []tuneVariant{{"default", query.DefaultGradeConfig(), nil}}
	for _, c := range []float64{4, 12} {
		g := query.DefaultGradeConfig()
		g.Chars = c
		v = append(v, tuneVariant{name: fmt.Sprintf("chars %g", c), cfg: g})
	}
	for _, hb := range []float64{0, 0.3, 1} {
		g := query.DefaultGradeConfig()
		g.HeadBonus = hb
		v = append(v, tuneVariant{name: fmt.Sprintf("headbonus %g", hb), cfg: g})
	}
	for _, n := range []int{0, 20} {
		g := query.DefaultGradeConfig()
		g.GramTerms = n
		v = append(v, tuneVariant{name: fmt.Sprintf("gramterms %d", n), cfg: g})
	}
	for _, tp := range [][2]int{{50, 100}, {100, 100}, {100, 200}} {
		g := query.DefaultGradeConfig()
		g.Top, g.Partial = tp[0], tp[1]
		v = append(v, tuneVariant{name: fmt.Sprintf("top %d partial %d", tp[0], tp[1]), cfg: g})
	}
	return v
}
