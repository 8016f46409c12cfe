package eval

import "shopsearch/query"

func tuneVariants() []tuneVariant {
	return []tuneVariant{{"default", query.DefaultGradeConfig(), nil}}
}
