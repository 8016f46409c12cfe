package server

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/query"
)

// Lexicon preview limits.
const (
	defaultLexiconPreviewN = 10
	maxLexiconPreviewN     = 50
)

// WithLexicon serves the lexicon editor's API under /api/admin/lexicon
// (admin token): the document, its history and rollback, a preview of a
// draft, and the status of applying it.
func (s *Server) WithLexicon(l *Lexicons) *Server {
	h := &lexiconAPI{s: s, l: l}
	g := s.router.Group("/api/admin/lexicon", s.requireAdmin)
	g.GET("", h.get)
	g.PUT("", h.put)
	g.GET("/history", h.history)
	g.GET("/versions/:version", h.version)
	g.POST("/rollback", h.rollback)
	g.GET("/status", h.status)
	g.POST("/preview", h.preview)
	return s
}

// lexiconAPI is the lexicon editor's handlers.
type lexiconAPI struct {
	s *Server
	l *Lexicons

	draftMu    sync.Mutex // one draft dictionary is kept, for previews in a row
	draftKey   string
	draftLex   *dict.Lexicon
	draftTimer *time.Timer // drops it draftKeep after the last use
}

// draftKeep is how long a draft dictionary is kept after its last preview:
// one is as large as the serving one, so it is not kept for long.
const draftKeep = 2 * time.Minute

func (h *lexiconAPI) get(c *gin.Context) {
	h.s.respond(c, http.StatusOK, gin.H{"current": h.l.Current(), "status": h.l.Status()})
}

// put publishes the body, a whole lexicon document with author and note,
// as the next version.
func (h *lexiconAPI) put(c *gin.Context) {
	var doc models.Lexicon
	if err := decodeBody(c, &doc); err != nil {
		h.s.fail(c, err)
		return
	}
	saved, err := h.l.Put(doc)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"current": saved, "status": h.l.Status()})
}

// lexiconSummary is one version in the history list (the lists themselves
// are at /versions/:version).
type lexiconSummary struct {
	Version   int    `json:"version"`
	Author    string `json:"author"`
	Note      string `json:"note"`
	UpdatedAt string `json:"updated_at,omitempty"`
	Words     int    `json:"words"`
	Removed   int    `json:"removed"`
	Stopwords int    `json:"stopwords"`
	Synonyms  int    `json:"synonyms"`
}

func (h *lexiconAPI) history(c *gin.Context) {
	all := h.l.History()
	out := make([]lexiconSummary, len(all))
	for i, d := range all {
		out[i] = lexiconSummary{Version: d.Version, Author: d.Author, Note: d.Note,
			Words: len(d.Words), Removed: len(d.Removed), Stopwords: len(d.Stopwords), Synonyms: len(d.Synonyms)}
		if !d.UpdatedAt.IsZero() {
			out[i].UpdatedAt = d.UpdatedAt.Format("2006-01-02T15:04:05.000Z07:00")
		}
	}
	h.s.respond(c, http.StatusOK, gin.H{"history": out})
}

func (h *lexiconAPI) version(c *gin.Context) {
	v, err := strconv.Atoi(c.Param("version"))
	all := h.l.History()
	if err != nil || v < 0 || v >= len(all) {
		h.s.fail(c, models.Errorf(models.ENOTFOUND, "the lexicon has no version %q (versions 0 to %d)", clip(c.Param("version")), len(all)-1))
		return
	}
	h.s.respond(c, http.StatusOK, all[v])
}

func (h *lexiconAPI) rollback(c *gin.Context) {
	var body struct {
		Version *int   `json:"version"`
		Author  string `json:"author"`
	}
	if err := decodeBody(c, &body); err != nil {
		h.s.fail(c, err)
		return
	}
	if body.Version == nil {
		h.s.fail(c, models.Errorf(models.EINVALID, "version: say which version to roll back to"))
		return
	}
	saved, err := h.l.Rollback(*body.Version, body.Author)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"current": saved, "status": h.l.Status()})
}

func (h *lexiconAPI) status(c *gin.Context) {
	h.s.respond(c, http.StatusOK, h.l.Status())
}

// lexiconPreviewBody is the body of POST /api/admin/lexicon/preview: a
// query, and the draft document (absent: the published one).
type lexiconPreviewBody struct {
	Query string          `json:"query"`
	Draft *models.Lexicon `json:"draft"`
	N     int             `json:"n"`
}

// lexiconSide is one side of a lexicon preview.
type lexiconSide struct {
	Version int `json:"version"` // the published version; 0 for the draft
	query.AnalysisView
	Total int          `json:"total"`
	Items []query.Item `json:"items"`
}

// preview shows how the published and the draft lexicon read a query
// and what each finds (its top N). A draft that changes words is searched
// over the index as it is, segmented with the published words, so its
// results are exact only once published and re-indexed: the answer says
// so with reindex_needed and the changed words.
func (h *lexiconAPI) preview(c *gin.Context) {
	var body lexiconPreviewBody
	if err := decodeBody(c, &body); err != nil {
		h.s.fail(c, err)
		return
	}
	body.Query = strings.TrimSpace(body.Query)
	switch n := utf8.RuneCountInString(body.Query); {
	case n == 0:
		h.s.fail(c, models.Errorf(models.EINVALID, "query: give the query to preview"))
		return
	case n > h.s.cfg.MaxQueryRunes:
		h.s.fail(c, models.Errorf(models.EINVALID, "query: %d characters; the limit is %d", n, h.s.cfg.MaxQueryRunes))
		return
	}
	if body.N == 0 {
		body.N = defaultLexiconPreviewN
	}
	if body.N < 1 || body.N > maxLexiconPreviewN {
		h.s.fail(c, models.Errorf(models.EINVALID, "n: want a whole number from 1 to %d, got %d", maxLexiconPreviewN, body.N))
		return
	}
	cur := h.l.Current()
	draft := cur
	if body.Draft != nil {
		draft = *body.Draft
		if strings.TrimSpace(draft.Author) == "" {
			draft.Author = "preview"
		}
		if err := ValidateLexicon(&draft); err != nil {
			h.s.fail(c, err)
			return
		}
	}
	draftAn, changed, err := h.draftAnalyzer(&draft)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.s.cfg.SearchTimeout)
	defer cancel()
	side := func(an *dict.Analyzer, version int) (lexiconSide, error) {
		resp, err := h.s.engine.SearchWith(ctx, an, query.Request{Text: body.Query, Size: body.N})
		if err != nil {
			return lexiconSide{}, err
		}
		return lexiconSide{Version: version, AnalysisView: h.s.engine.Analysis(an, body.Query), Total: resp.Total, Items: resp.Items}, nil
	}
	current, err := side(h.l.cfg.Analyzer, cur.Version)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	next, err := side(draftAn, 0)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"query": body.Query, "current": current, "draft": next,
		"reindex_needed": len(changed) > 0, "changed_words": changed})
}

// draftAnalyzer returns an analyzer for a validated draft and the words it
// changes against what the analyzer has loaded: a copy of the loaded
// dictionary with the draft's synonyms when no word changed, else a new
// dictionary (about two seconds; the last one is kept for the next
// preview of the same words).
func (h *lexiconAPI) draftAnalyzer(draft *models.Lexicon) (*dict.Analyzer, []string, error) {
	h.l.applyMu.Lock()
	loaded := h.l.loaded
	h.l.applyMu.Unlock()
	changed := changedWords(loaded, draft)
	rules := synonymRules(draft)
	if len(changed) == 0 {
		return dict.NewAnalyzer(h.l.cfg.Analyzer.Lexicon().WithSynonyms(rules)), nil, nil
	}
	keys := slices.Sorted(maps.Keys(segmentationKeys(draft)))
	key := strings.Join(keys, "\x01")
	h.draftMu.Lock()
	defer h.draftMu.Unlock()
	if h.draftLex == nil || h.draftKey != key {
		lex, err := dict.NewLexicon(lexiconAssets(draft))
		if err != nil {
			return nil, nil, models.Errorf(models.EINVALID, "the draft's dictionary does not load: %v", err)
		}
		h.draftLex, h.draftKey = lex, key
	}
	if h.draftTimer != nil {
		h.draftTimer.Stop()
	}
	h.draftTimer = time.AfterFunc(draftKeep, func() {
		h.draftMu.Lock()
		defer h.draftMu.Unlock()
		if h.draftKey == key {
			h.draftLex, h.draftKey = nil, ""
		}
	})
	return dict.NewAnalyzer(h.draftLex.WithSynonyms(rules)), changed, nil
}
