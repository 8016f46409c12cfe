package eval

import (
	"fmt"

	"shopsearch/query"
)

func tuneVariants() []tuneVariant {
	d := query.DefaultGradeConfig()
	var out []tuneVariant
	for _, share := range []float64{0, 0.3, 0.5} {
		for _, brand := range []float64{1.5, 2} {
			c := d
			c.BrandShare, c.Brand = share, brand
			out = append(out, tuneVariant{fmt.Sprintf("share%g brand%g", share, brand), c, nil})
		}
	}
	return out
}
