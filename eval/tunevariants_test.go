package eval

import (
	"fmt"

	"shopsearch/query"
)

func tuneVariants() []tuneVariant {
	var v []tuneVariant
	for _, c := range []float64{4, 8, 12} {
		for _, hb := range []float64{0.6, 1} {
			g := query.DefaultGradeConfig()
			g.HeadBonus, g.Chars = hb, c
			v = append(v, tuneVariant{name: fmt.Sprintf("chars %g headbonus %g", c, hb), cfg: g})
		}
	}
	return v
}
