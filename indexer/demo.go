package indexer

import (
	_ "embed"
	"io"
	"strings"
)

// demoCatalog is about 4,000 real titles sampled from the shared catalog,
// gzipped JSONL; see demo/README.md for provenance and how it was made.
//
//go:embed demo/catalog.jsonl.gz
var demoCatalog string

// DemoCatalog returns a reader over the embedded demo catalog: gzipped JSONL
// that ReadCatalog decompresses. Its products have ids, titles, categories
// and sometimes brands and product words, but no commercial fields: run
// Synthesize on each to fill them.
func DemoCatalog() io.Reader {
	return strings.NewReader(demoCatalog)
}
