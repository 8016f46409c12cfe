package eval

import (
	"fmt"

	"shopsearch/query"
)

func tuneVariants() []tuneVariant {
	d := query.DefaultGradeConfig()
	var out []tuneVariant
	for _, full := range []float64{0, 0.3, 1} {
		for _, short := range []float64{0, 0.1} {
			for _, acc := range []float64{0.3, 1} {
				c := d
				c.Full, c.Short, c.Accessory = full, short, acc
				out = append(out, tuneVariant{fmt.Sprintf("full%g short%g acc%g", full, short, acc), c, nil})
			}
		}
	}
	return out
}
