//go:build tools

// This file is never built. It pins the modules the design fixes for the
// stages still to come (Redis store, recommendation models, suggest), so that
// go.mod names their exact versions before the first line uses them and
// `go mod tidy` keeps them.
package main

import (
	_ "github.com/blevesearch/vellum"
	_ "github.com/mozillazg/go-pinyin"
	_ "github.com/redis/go-redis/v9"
	_ "go.etcd.io/bbolt"
	_ "gonum.org/v1/gonum/mat"
)
