package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/recall"
	"shopsearch/recall/ctr"
	"shopsearch/server"
)

// TestServeCTRLoop closes the CTR model's loop in one process: served
// slots and the clicks on them land in the sample log, a retraining
// trains and publishes the model, the next slots are ranked by it (pCTR,
// explain), and a model file another process publishes is picked up by
// the watcher — a corrupt one is not. A recall model file appearing adds
// the model's recallers. The watcher and the schedules are driven by
// hand (ModelPoll < 0, no retraining interval).
func TestServeCTRLoop(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token = "t0ken"
	dir := t.TempDir()
	sessionsFile := filepath.Join(t.TempDir(), "sessions.txt")
	m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: token, Stdout: &stdout, Stderr: &stderr, ModelPoll: -1,
		RecallSessions: sessionsFile})
	if err := m.Run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	defer m.Close()
	base := "http://" + m.Addr()
	rec := func(params url.Values, tok string) server.RecResponse {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/recommend?"+params.Encode(), nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		var r server.RecResponse
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("recommend %v: %s", params, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	post := func(body string) {
		t.Helper()
		resp, err := http.Post(base+"/api/events", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/events: %s", resp.Status)
		}
	}

	// Without a model: the heuristic ranks; nothing to train on yet.
	if r := rec(url.Values{"scene": {"home"}, "session": {"x"}}, ""); r.Model != "heuristic" || r.Items[0].PCTR != 0 {
		t.Fatalf("before training: model %q, pctr %v", r.Model, r.Items[0].PCTR)
	}
	if err := m.rec.RetrainCTR(); err != nil {
		t.Fatalf("retraining on too few samples: %v (want skipped)", err)
	}
	if mod := m.rec.CTRModel(); mod != nil {
		t.Fatal("a model was trained on nothing")
	}

	// Shoppers click the slot's second and fourth items, reported as the
	// storefront does (impression, then clicks carrying its id).
	for i := range 30 {
		sess := fmt.Sprintf("s%d", i)
		r := rec(url.Values{"scene": {"home"}, "session": {sess}, "n": {"10"}}, "")
		var ids []string
		for _, it := range r.Items {
			ids = append(ids, it.ID)
		}
		post(fmt.Sprintf(`[{"type":"impression","session_id":%q,"scene":"home","slot":"home","impression_id":%q,"items":["%s"]},
			{"type":"click","session_id":%q,"item_id":%q,"impression_id":%q,"scene":"home","slot":"home"},
			{"type":"click","session_id":%q,"item_id":%q,"impression_id":%q,"scene":"home","slot":"home"}]`,
			sess, r.ImpressionID, strings.Join(ids, `","`), sess, ids[1], r.ImpressionID, sess, ids[3], r.ImpressionID))
	}
	if err := m.rec.RetrainCTR(); err != nil {
		t.Fatal(err)
	}
	first := m.rec.CTRModel()
	if first == nil || first.Samples < 300 || first.Positives != 60 {
		t.Fatalf("retrained model %v (want 300+ samples, 60 clicked)\n%s", first, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dir, recall.CTRModelFile)); err != nil {
		t.Fatalf("no model file published: %v", err)
	}
	r := rec(url.Values{"scene": {"home"}, "session": {"y"}, "explain": {"true"}}, token)
	if r.Model != "ctr" || r.Items[0].PCTR <= 0 || r.Items[0].CTR == nil || len(r.Items[0].CTR.Contributions) == 0 {
		t.Fatalf("after training: model %q, first item %+v", r.Model, r.Items[0])
	}

	// Another process publishes a model: the watcher swaps it in.
	samples, _, err := ctr.ReadSamples([]string{filepath.Join(dir, recall.SampleDir)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ctr.Train(samples, ctr.Config{L2: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Save(filepath.Join(dir, recall.CTRModelFile)); err != nil {
		t.Fatal(err)
	}
	m.rec.Watch()
	if cur := m.rec.CTRModel(); cur == first || cur.L2 != 0.5 {
		t.Fatalf("the watcher did not load the new model file: %v", cur)
	}
	// A corrupt file is refused; the model in use stays.
	os.WriteFile(filepath.Join(dir, recall.CTRModelFile), []byte("garbage that is no model"), 0o644)
	m.rec.Watch()
	if cur := m.rec.CTRModel(); cur == nil || cur.L2 != 0.5 {
		t.Fatalf("after a corrupt file the model is %v", cur)
	}
	if !strings.Contains(stdout.String(), "corrupt CTR model file") {
		t.Errorf("the corrupt file was not reported:\n%s", stdout.String())
	}

	// A recall model appears: detail slots get the model's neighbours (the
	// CTR model set aside, which never saw an item2item candidate).
	m.rec.UseCTR(nil)
	det := rec(url.Values{"scene": {"detail"}, "item": {r.Items[0].ID}, "n": {"5"}}, "")
	a, b := r.Items[0].ID, r.Items[1].ID
	var sessions []recall.Session
	for range 20 {
		sessions = append(sessions, recall.Session{Items: []string{a, b}})
	}
	mod, err := recall.Build(sessions, nil, recall.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := mod.Save(filepath.Join(dir, recall.ModelFile)); err != nil {
		t.Fatal(err)
	}
	m.rec.Watch()
	after := rec(url.Values{"scene": {"detail"}, "item": {a}, "n": {"5"}}, "")
	if slices.ContainsFunc(det.Items, func(it server.RecItem) bool { return it.Source == recall.SourceItem }) {
		t.Fatalf("item2item before any recall model: %+v", det.Items)
	}
	if !slices.ContainsFunc(after.Items, func(it server.RecItem) bool { return it.ID == b && it.Source == recall.SourceItem }) {
		t.Errorf("after the recall model appeared, detail of %s: %+v (want %s from item2item)", a, after.Items, b)
	}

	// The scheduled recall retraining reads the configured sessions file,
	// publishes the model and swaps it in.
	c, d := r.Items[2].ID, r.Items[3].ID
	if err := os.WriteFile(sessionsFile, []byte(strings.Repeat(c+" "+d+"\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.rec.RetrainRecall(ctx); err != nil {
		t.Fatal(err)
	}
	got := rec(url.Values{"scene": {"detail"}, "item": {c}, "n": {"5"}}, "")
	if !slices.ContainsFunc(got.Items, func(it server.RecItem) bool { return it.ID == d && it.Source == recall.SourceItem }) {
		t.Errorf("after retraining on %s %s, detail of %s: %+v", c, d, c, got.Items)
	}
	if mod, err := recall.Load(filepath.Join(dir, recall.ModelFile)); err != nil || mod.Stats().Items != 2 {
		t.Errorf("published recall model: %v %v", mod, err)
	}

	// The scenes' quotas are configuration: DATA/scenes.json makes the cart
	// slot the overall best sellers only; a bad file is refused.
	sources := func() map[string]bool {
		out := map[string]bool{}
		for _, it := range rec(url.Values{"scene": {"cart"}, "cart": {c}, "n": {"6"}}, "").Items {
			out[it.Source] = true
		}
		return out
	}
	if got := sources(); !got[recall.SourceCoBuy] && !got[recall.SourceContent] {
		t.Fatalf("cart slot sources under the defaults: %v", got)
	}
	scenes := filepath.Join(dir, recall.ScenesFile)
	os.WriteFile(scenes, []byte(`{"cart":{"quotas":[{"recaller":"hot","share":1}],"fallbacks":[]}}`), 0o644)
	m.rec.Watch()
	if got := sources(); len(got) != 1 || !got[recall.SourceCatalogHot] {
		t.Errorf("cart slot sources under scenes.json: %v", got)
	}
	os.WriteFile(scenes, []byte(`{"cart":{"quotas":[{"recaller":"hot","share":2}]}}`), 0o644)
	m.rec.Watch()
	if got := sources(); len(got) != 1 || !got[recall.SourceCatalogHot] || !strings.Contains(stdout.String(), "share 2") {
		t.Errorf("after a bad scenes.json: %v\n%s", got, stdout.String())
	}
}

func TestTrainCTRCommand(t *testing.T) {
	dir := t.TempDir()
	l, err := ctr.OpenSampleLog(filepath.Join(dir, "samples"), ctr.SampleLogConfig{FlushEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		id := fmt.Sprintf("r-%d", i)
		var items []ctr.ImpressionItem
		for k := range 5 {
			items = append(items, ctr.ImpressionItem{ID: fmt.Sprint(k), Pos: k + 1, Features: ctr.Features{Source: "session", Recall: 1 / float64(k+1)}})
		}
		l.LogImpression(ctr.Impression{ID: id, Scene: "home", Items: items})
		l.LogLabel(ctr.Label{Impression: id, Item: fmt.Sprint(i % 3), Type: "click"})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ctr.model")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"train", "--ctr-samples", filepath.Join(dir, "samples"), "--ctr-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "impressions=50 labels=50 samples=250 positives=50") || !strings.Contains(stdout.String(), "wrote "+out) {
		t.Errorf("output %q", stdout.String())
	}
	if _, err := ctr.Load(out); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"train", "--ctr-samples", filepath.Join(dir, "samples")},                // no --ctr-out
		{"train", "--ctr-samples", filepath.Join(dir, "none"), "--ctr-out", out}, // missing
	} {
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// BenchmarkRecommendCTR is BenchmarkRecommend's home slots with a CTR
// model loaded (ranking by pCTR) and the sample log on; compare with
// -no-ctr to see the model's cost:
//
//	go test ./cmd/shopsearch -run XXX -bench BenchmarkRecommendCTR -benchtime 2000x
func BenchmarkRecommendCTR(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	var samples []ctr.Sample
	for i := range 1000 {
		samples = append(samples, ctr.Sample{Features: ctr.Features{Source: []string{"content", "catalog_hot"}[i%2], Recall: float64(i%10) / 10}, Clicked: i%7 == 0})
	}
	mod, err := ctr.Train(samples, ctr.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := mod.Save(filepath.Join(dir, recall.CTRModelFile)); err != nil {
		b.Fatal(err)
	}
	m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", ModelPoll: -1})
	if err := m.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	h := m.http.Handler
	var lat []time.Duration
	i := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, httptest.NewRequest("GET", fmt.Sprintf("/api/recommend?scene=home&session=u%d&n=10", i%20), nil))
		lat = append(lat, time.Since(start))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"model":"ctr"`) {
			b.Fatalf("%d %s", w.Code, w.Body.String())
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
