package indexer

import (
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/models"
)

// FieldText is the searchable text: title, subtitle, brand, category
// and attribute values, analysed by the shopsearch analyzer. Nothing is
// stored in Bleve: responses, filters and sorts read the in-memory product
// store, and phase-2 ranking its feature columns.
const FieldText = "text"

// FieldGrams holds the character bigrams of the title (GramAnalyzer), for
// finding partial matches whatever the segmentation: no positions, but
// frequencies and norms, which Bleve's BM25 needs to score a match at all
// (without them every gram match scored 0; TestGramsScore). Each bigram is
// there once, so its frequency is 1 and zap stores it inline: the index is
// smaller with them (39.8 MB for the shared catalog) than without (47.9 MB).
const FieldGrams = "grams"

// newMapping is the lean mapping: no _all, no dynamic fields, no stored
// values, BM25 scoring, term vectors (positions) only for phrase queries.
func newMapping() *mapping.IndexMappingImpl {
	m := mapping.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	m.DefaultAnalyzer = AnalyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldText, indexedField(AnalyzerName, true))
	doc.AddFieldMappingsAt(FieldGrams, indexedField(GramAnalyzerName, false))
	m.DefaultMapping = doc
	return m
}

// indexedField is an analysed field that is searched only: not stored, not
// in _all, no doc values; positions only when phrases need them.
func indexedField(analyzer string, positions bool) *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer = analyzer
	f.Store = false
	f.IncludeInAll = false
	f.IncludeTermVectors = positions
	f.DocValues = false
	return f
}

// searchText is what the analyzer sees of a product. The title comes first so
// that phrase positions inside it are undisturbed.
func searchText(p *models.Product) string {
	var b strings.Builder
	b.Grow(len(p.Title) + len(p.Subtitle) + len(p.Brand) + len(p.Category) + 8)
	b.WriteString(p.Title)
	for _, s := range []string{p.Subtitle, p.Brand, models.Category(p.Category).IndexedLeaf()} {
		if s != "" {
			b.WriteString(" \n ")
			b.WriteString(s)
		}
	}
	keys := make([]string, 0, len(p.Attrs))
	for k := range p.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(" \n ")
		b.WriteString(p.Attrs[k])
	}
	return b.String()
}

// newDocument builds the Bleve document of p directly, skipping the
// reflection-based mapping walk.
func newDocument(p *models.Product, an analysis.Analyzer) *document.Document {
	d := document.NewDocument(p.ID)
	d.AddField(document.NewTextFieldCustom(FieldText, nil, []byte(searchText(p)),
		index.IndexField|index.IncludeTermVectors, an))
	d.AddField(document.NewTextFieldCustom(FieldGrams, nil, []byte(p.Title), index.IndexField, GramAnalyzer{}))
	return d
}
