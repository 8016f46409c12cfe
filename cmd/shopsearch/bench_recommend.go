package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/server"
	"shopsearch/store"
	"shopsearch/store/events"
)

// benchRecommend answers recommendation slots of 10 in process through the
// API handler (no network): home, detail and cart slots over gen's product
// ids, recalled from the catalog (bench has no recall model), blended and
// reranked. The first call builds the catalog's hot lists; its time is in
// the notes.
func benchRecommend(ctx context.Context, cfg BenchConfig, e *query.Engine, live int) benchRow {
	h := server.New(server.Config{}, e).WithRecommend(server.RecommendDeps{}).Handler()
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/recommend?scene=home", nil)) // builds the hot lists
	build := time.Since(start)
	var lat latencies
	var errs opErrors
	cpu := startCPU()
	start = time.Now()
	deadline := start.Add(cfg.Duration)
	for i := 0; i < cfg.MaxOps && ctx.Err() == nil && time.Now().Before(deadline); i++ {
		id := url.QueryEscape(fmt.Sprintf("g%07d", (i*7919)%max(live, 1)))
		target := "/api/recommend?n=10&scene="
		switch i % 3 {
		case 0:
			target += "home"
		case 1:
			target += "detail&item=" + id
		default:
			target += "cart&cart=" + id
		}
		w := httptest.NewRecorder()
		t := time.Now()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != 200 {
			errs.add(fmt.Errorf("%s: %d %s", target, w.Code, w.Body.String()))
			continue
		}
		lat = append(lat, time.Since(t))
	}
	r := lat.row("recommend in-process (1 goroutine)", "QPS", time.Since(start), errs)
	r.notes += fmt.Sprintf("%.1f cores busy; home, detail and cart slots of 10 through the handler (no network); catalog recallers (no model); first slot, which builds the hot lists of every category, in %v",
		cpu.cores(), build.Round(time.Millisecond))
	return r
}

// benchEvents ingests gen's events (their times made now) into an embedded
// behaviour store in a temporary directory, 500 a call as the storefront
// batches them, with the fraud rules on.
func benchEvents(ctx context.Context, cfg BenchConfig) (benchRow, error) {
	const phase = "events intake (embedded store)"
	f, err := os.Open(filepath.Join(cfg.DataDir, genEventsFile))
	if err != nil {
		return naRow(phase, "no "+genEventsFile+" in the workload"), nil
	}
	defer f.Close()
	var evs []models.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(evs) < 400_000 {
		var g struct{ Type, User, Item, Session, Query string }
		if json.Unmarshal(sc.Bytes(), &g) != nil {
			continue
		}
		ev := models.Event{Type: models.EventType(g.Type), UserID: g.User, SessionID: g.Session, ItemID: g.Item, Scene: "search"}
		switch ev.Type {
		case models.EventImpression:
			ev.Items, ev.ItemID = []string{g.Item}, ""
		case models.EventPurchase:
			ev.Quantity = 1
		}
		evs = append(evs, ev)
	}
	dir, err := os.MkdirTemp("", "shopsearch-bench-events-")
	if err != nil {
		return benchRow{}, err
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenEmbedded(filepath.Join(dir, behaviorFile))
	if err != nil {
		return benchRow{}, err
	}
	defer st.Close()
	in := events.New(events.Config{}, st)
	var lat latencies
	var errs opErrors
	n := 0
	cpu := startCPU()
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := 0; i+500 <= len(evs) && ctx.Err() == nil && time.Now().Before(deadline); i += 500 {
		t := time.Now()
		res, err := in.Ingest(ctx, evs[i:i+500], "192.0.2.1")
		if err != nil {
			errs.add(err)
			continue
		}
		lat = append(lat, time.Since(t))
		n += res.Accepted
	}
	elapsed := time.Since(start)
	r := lat.row(phase, "calls/s", elapsed, errs)
	r.rate = thousands(int(float64(n)/max(elapsed.Seconds(), 1e-9))) + " events/s"
	r.notes += fmt.Sprintf("%.1f cores busy; %s events accepted of gen's %s, 500 a call, fraud rules on; latency per call",
		cpu.cores(), thousands(n), genEventsFile)
	return r, nil
}
