package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/store"
)

// newLexiconServer returns a server with the lexicon API over a fresh
// engine analysing queries with an (nil: a private analyzer over the
// default lexicon, so that synonym changes stay in the test), the manager
// and the admin headers.
func newLexiconServer(t *testing.T, an *dict.Analyzer, products []models.Product) (*Server, *Lexicons, *store.Embedded, []string) {
	t.Helper()
	if an == nil {
		an = dict.NewAnalyzer(dict.Default().Lexicon())
	}
	if products == nil {
		products = testProducts()
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := query.Open(dir, an, query.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := NewLexicons(st, LexiconConfig{Analyzer: an, Engine: e, Marker: filepath.Join(e.GenerationDir(), LexiconMarkerFile), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := New(Config{AdminToken: testToken, ErrorLog: testWriter{t}}, e).WithLexicon(l)
	return s, l, st, []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}
}

func TestLexiconAuth(t *testing.T) {
	t.Parallel()
	s, _, _, _ := newLexiconServer(t, nil, nil)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/admin/lexicon", ""},
		{"PUT", "/api/admin/lexicon", `{"synonyms":["手机, 移动电话"],"author":"a"}`},
		{"GET", "/api/admin/lexicon/history", ""},
		{"GET", "/api/admin/lexicon/versions/0", ""},
		{"POST", "/api/admin/lexicon/rollback", `{"version":0,"author":"a"}`},
		{"GET", "/api/admin/lexicon/status", ""},
		{"POST", "/api/admin/lexicon/preview", `{"query":"手机"}`},
	} {
		do(t, s, r.method, r.path, r.body).errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
		do(t, s, r.method, r.path, r.body, "Authorization", "Bearer wrong").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	}
}

func TestLexiconValidation(t *testing.T) {
	t.Parallel()
	s, l, _, h := newLexiconServer(t, nil, nil)
	many := make([]string, maxSynonymRules+1)
	for i := range many {
		many[i] = "a, b"
	}
	manyJSON, _ := json.Marshal(many)
	tests := []struct {
		name, body string
		status     int
		want       string // in the message
	}{
		{"no author", `{"synonyms":["手机, 移动电话"]}`, 400, "author"},
		{"unknown field", `{"synonym":["手机, 移动电话"],"author":"a"}`, 400, "unknown field"},
		{"empty term", `{"synonyms":["手机, 移动电话", "手机, , 电话"],"author":"a"}`, 400, "synonyms line 2"},
		{"nothing after =>", `{"synonyms":["苹果 =>"],"author":"a"}`, 400, `right of "=>"`},
		{"two arrows", `{"synonyms":["a => b => c"],"author":"a"}`, 400, "more than once"},
		{"group of one", `{"synonyms":["手机"],"author":"a"}`, 400, "two or more"},
		{"duplicate rule", `{"synonyms":["手机, 电话","手机, 电话"],"author":"a"}`, 400, "same rule as line 1"},
		{"empty word", `{"words":[{"word":"猫咖"},{"word":" "}],"author":"a"}`, 400, "words line 2"},
		{"word with a space", `{"words":[{"word":"猫 咖"}],"author":"a"}`, 400, "no spaces"},
		{"long word", `{"words":[{"word":"` + strings.Repeat("猫", maxWordRunes+1) + `"}],"author":"a"}`, 400, "words line 1"},
		{"bad freq", `{"words":[{"word":"猫咖","freq":-3}],"author":"a"}`, 400, "freq"},
		{"bad tag", `{"words":[{"word":"猫咖","tag":"n 1"}],"author":"a"}`, 400, "tag"},
		{"duplicate word", `{"words":[{"word":"猫咖"},{"word":"猫咖"}],"author":"a"}`, 400, "listed already"},
		{"added and removed", `{"words":[{"word":"猫咖"}],"removed":["猫咖"],"author":"a"}`, 400, "both added and removed"},
		{"empty stop word", `{"stopwords":[""],"author":"a"}`, 400, "stopwords line 1"},
		{"too many rules", `{"synonyms":` + string(manyJSON) + `,"author":"a"}`, 413, "limit is 5000"},
		{"long term", `{"synonyms":["a, ` + strings.Repeat("b", maxSynonymRunes+1) + `"],"author":"a"}`, 400, "limit is 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "PUT", "/api/admin/lexicon", tt.body, h...)
			code := models.EINVALID
			if tt.status == 413 {
				code = models.ETOOLARGE
			}
			if e := r.errorOf(t, tt.status, code); !strings.Contains(e.Message, tt.want) {
				t.Errorf("message %q does not say %q", e.Message, tt.want)
			}
		})
	}
	if v := l.Current().Version; v != 0 {
		t.Errorf("refused saves published version %d", v)
	}
	do(t, s, "POST", "/api/admin/lexicon/rollback", `{"version":7,"author":"a"}`, h...).errorOf(t, 404, models.ENOTFOUND)
	do(t, s, "GET", "/api/admin/lexicon/versions/x", "", h...).errorOf(t, 404, models.ENOTFOUND)
	do(t, s, "POST", "/api/admin/lexicon/preview", `{"query":""}`, h...).errorOf(t, 400, models.EINVALID)
	do(t, s, "POST", "/api/admin/lexicon/preview", `{"query":"手机","n":500}`, h...).errorOf(t, 400, models.EINVALID)
}

// TestLexiconPublishSynonymSearchRollback: a published synonym finds items
// at once (no re-index), explain shows the expansion, and a rollback takes
// it away again.
func TestLexiconPublishSynonymSearchRollback(t *testing.T) {
	t.Parallel()
	s, _, _, h := newLexiconServer(t, nil, nil)
	if got := search(t, s, "q=移动电话").Total; got != 0 {
		t.Fatalf("移动电话 finds %d items before any synonym", got)
	}
	var put struct {
		Current models.Lexicon `json:"current"`
		Status  LexiconStatus  `json:"status"`
	}
	do(t, s, "PUT", "/api/admin/lexicon", `{"synonyms":["手机, 移动电话, mobile phone","苹果 => iphone"],"author":"alice","note":"手机同义词"}`, h...).ok(t, 200, &put)
	if put.Current.Version != 1 || put.Current.Author != "alice" || put.Status.Applied != 1 {
		t.Fatalf("published %+v, status %+v", put.Current, put.Status)
	}
	resp := search(t, s, "q=移动电话")
	phones := search(t, s, "q=手机")
	if resp.Total == 0 || resp.Total != phones.Total {
		t.Errorf("移动电话 finds %d items, 手机 %d: want the same, more than 0", resp.Total, phones.Total)
	}
	r := do(t, s, "GET", "/api/search?q=移动电话&explain=true", "", h...)
	var ex struct {
		Synonyms []query.Expansion `json:"synonyms"`
	}
	r.ok(t, 200, &ex)
	if len(ex.Synonyms) != 1 || !slices.Equal(ex.Synonyms[0].Terms, []string{"移动", "电话"}) || len(ex.Synonyms[0].Synonyms) != 2 {
		t.Errorf("explain's synonyms: %+v", ex.Synonyms)
	}

	var hist struct {
		History []lexiconSummary `json:"history"`
	}
	do(t, s, "GET", "/api/admin/lexicon/history", "", h...).ok(t, 200, &hist)
	if len(hist.History) != 2 || hist.History[1].Synonyms != 2 || hist.History[1].Note != "手机同义词" {
		t.Errorf("history: %+v", hist.History)
	}
	do(t, s, "POST", "/api/admin/lexicon/rollback", `{"version":0,"author":"bob"}`, h...).ok(t, 200, &put)
	if put.Current.Version != 2 || put.Current.Note != "rollback to v0" || len(put.Current.Synonyms) != 0 {
		t.Errorf("rollback published %+v", put.Current)
	}
	if got := search(t, s, "q=移动电话").Total; got != 0 {
		t.Errorf("after the rollback 移动电话 finds %d items", got)
	}
	var v1 models.Lexicon
	do(t, s, "GET", "/api/admin/lexicon/versions/1", "", h...).ok(t, 200, &v1)
	if len(v1.Synonyms) != 2 {
		t.Errorf("version 1: %+v", v1)
	}
}

func TestLexiconPreview(t *testing.T) {
	t.Parallel()
	s, l, _, h := newLexiconServer(t, nil, nil)
	var out struct {
		Current       lexiconSide `json:"current"`
		Draft         lexiconSide `json:"draft"`
		ReindexNeeded bool        `json:"reindex_needed"`
	}
	do(t, s, "POST", "/api/admin/lexicon/preview", `{"query":"移动电话","draft":{"synonyms":["手机, 移动电话"]}}`, h...).ok(t, 200, &out)
	if out.Current.Total != 0 || out.Draft.Total == 0 || len(out.Draft.Items) == 0 || out.ReindexNeeded {
		t.Errorf("preview: current %d, draft %d (%d items), reindex %v", out.Current.Total, out.Draft.Total, len(out.Draft.Items), out.ReindexNeeded)
	}
	if len(out.Draft.Synonyms) != 1 || len(out.Current.Synonyms) != 0 || len(out.Draft.Tokens) == 0 {
		t.Errorf("preview analysis: current %+v, draft %+v", out.Current.AnalysisView, out.Draft.AnalysisView)
	}
	if l.Current().Version != 0 || search(t, s, "q=移动电话").Total != 0 {
		t.Error("a preview published something")
	}
	do(t, s, "POST", "/api/admin/lexicon/preview", `{"query":"手机","draft":{"synonyms":["手机, "]}}`, h...).errorOf(t, 400, models.EINVALID)
}

// TestLexiconWordReindex: a new word is built, swapped in and the titles
// containing it re-indexed in the background; the status reports it, the
// marker records it, and search finds the item by the new word.
func TestLexiconWordReindex(t *testing.T) {
	t.Parallel()
	an := dict.Default() // the engine's, of queries and of the index
	products := append(testProducts(), models.Product{ID: "cat1", Title: "网红猫咖体验券 双人", Price: 99})
	s, l, _, h := newLexiconServer(t, an, products)
	do(t, s, "PUT", "/api/admin/lexicon", `{"words":[{"word":"猫咖","freq":100000}],"author":"alice"}`, h...).ok(t, 200, nil)
	st := waitLexicon(t, l, 1)
	if st.Done != 1 || st.Total != 1 || !slices.Equal(st.ChangedWords, []string{"猫咖"}) {
		t.Errorf("status %+v, want 1 of 1 products re-indexed for 猫咖", st)
	}
	if got := ids(search(t, s, "q=猫咖")); !slices.Equal(got, []string{"cat1"}) {
		t.Errorf("猫咖 finds %v", got)
	}
	b, err := os.ReadFile(filepath.Join(s.engine.GenerationDir(), LexiconMarkerFile))
	if err != nil || !strings.Contains(string(b), "猫咖") {
		t.Errorf("marker: %s, %v", b, err)
	}
	var status LexiconStatus
	do(t, s, "GET", "/api/admin/lexicon/status", "", h...).ok(t, 200, &status)
	if status.State != "ready" || status.Indexed != 1 {
		t.Errorf("GET status: %+v", status)
	}
}

// waitLexicon waits until version v is applied and indexed.
func waitLexicon(t *testing.T, l *Lexicons, v int) LexiconStatus {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := l.Status()
		if st.State == "ready" && st.Applied == v && st.Indexed == v {
			return st
		}
		if st.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("lexicon status %+v, want version %d ready", st, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLexiconReplicaReload: a replica on the same store picks up another's
// version with Reload (what the poller calls when the store's version moves).
func TestLexiconReplicaReload(t *testing.T) {
	t.Parallel()
	_, a, st, _ := newLexiconServer(t, nil, nil)
	an := dict.NewAnalyzer(dict.Default().Lexicon())
	b, err := NewLexicons(st, LexiconConfig{Analyzer: an})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.Put(models.Lexicon{Synonyms: []string{"手机, 移动电话"}, Author: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(models.Lexicon{Synonyms: []string{"a, b"}, Author: "b"}); models.ErrorCode(err) != models.ECONFLICT {
		t.Errorf("a save over a stale version: %v, want a conflict", err)
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if n, _ := an.Lexicon().Synonyms([]string{"手机"}); n != 1 || b.Current().Version != 1 {
		t.Errorf("replica: version %d, synonyms of 手机 span %d", b.Current().Version, n)
	}
	_ = context.Background
}
