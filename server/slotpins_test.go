package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"shopsearch/recall"
	"shopsearch/store"
)

// staticScenes recall the same items, best first, in every scene.
func staticScenes(ids ...string) map[string]recall.Recaller {
	r := func(_ context.Context, req recall.Request) []recall.Candidate {
		var out []recall.Candidate
		for i, id := range ids {
			if len(out) < req.N && (req.Exclude == nil || !req.Exclude(id)) {
				out = append(out, recall.Candidate{Item: id, Score: float64(len(ids) - i), Source: recall.SourceItem})
			}
		}
		return out
	}
	m := map[string]recall.Recaller{}
	for _, s := range recall.Scenes {
		m[s] = r
	}
	return m
}

func TestSlotPins(t *testing.T) {
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pins, err := NewSlotPins(st)
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, Config{AdminToken: testToken})
	s.WithRecommend(RecommendDeps{Scenes: staticScenes("p09", "p10", "p12", "p14", "p18"), Pins: pins})
	auth := []string{"Authorization", "Bearer " + testToken}
	put := func(body string) response { return do(t, s, "PUT", "/api/admin/slot-pins", body, auth...) }
	slot := func(params string) []RecItem {
		t.Helper()
		var r RecResponse
		do(t, s, "GET", "/api/recommend?scene=home&n=4"+params, "").decode(t, &r)
		return r.Items
	}

	for _, bad := range []string{
		`{"pins":[{"scene":"nowhere","position":1,"item_id":"p01"}]}`,
		`{"pins":[{"scene":"home","position":0,"item_id":"p01"}]}`,
		`{"pins":[{"scene":"home","position":51,"item_id":"p01"}]}`,
		`{"pins":[{"scene":"home","position":1,"item_id":"nope"}]}`,
		`{"pins":[{"scene":"home","position":1,"item_id":""}]}`,
		`{"pins":[{"scene":"home","position":1,"item_id":"p01","from":"2026-02-01T00:00:00Z","until":"2026-01-01T00:00:00Z"}]}`,
		`{"pins":[{"scene":"home","position":1,"item_id":"p01","regions":[""]}]}`,
		`{"pins":[],"bogus":1}`,
		``,
	} {
		put(bad).errorOf(t, 400, "invalid")
	}
	if r := do(t, s, "PUT", "/api/admin/slot-pins", `{"pins":[]}`); r.status != 401 {
		t.Errorf("without the token: %d", r.status)
	}

	var doc SlotPinsDoc
	do(t, s, "GET", "/api/admin/slot-pins", "", auth...).decode(t, &doc)
	if doc.Version != 0 || len(doc.Pins) != 0 {
		t.Fatalf("before any save: %+v", doc)
	}
	past := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	yesterday := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	r := put(`{"author":"alice","note":"launch","version":0,"pins":[
		{"scene":"home","position":2,"item_id":"p01"},
		{"scene":"home","position":2,"item_id":"p05"},
		{"scene":"home","position":1,"item_id":"p07","regions":["gz"]},
		{"scene":"home","position":3,"item_id":"p21","from":"` + past + `","until":"` + yesterday + `"},
		{"scene":"cart","position":1,"item_id":"p17"}]}`)
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	r.decode(t, &doc)
	if doc.Version != 1 || doc.Author != "alice" || len(doc.Pins) != 5 {
		t.Fatalf("saved %+v", doc)
	}

	// The first pin of a position wins; regions and windows are kept to.
	items := slot("")
	if len(items) != 4 || items[1].ID != "p01" || items[1].Source != "pin" || items[0].ID != "p09" {
		t.Errorf("home: %+v", items)
	}
	if items := slot("&region=gz"); items[0].ID != "p07" || items[1].ID != "p01" {
		t.Errorf("home for gz: %+v", items)
	}
	for _, it := range slot("") {
		if it.ID == "p21" {
			t.Error("an expired pin applies")
		}
	}

	// Editing an old version conflicts; the current one saves version 2.
	put(`{"version":0,"pins":[]}`).errorOf(t, 409, "conflict")
	if r := put(`{"version":1,"author":"bob","pins":[{"scene":"detail","position":1,"item_id":"p02"}]}`); r.status != 200 {
		t.Fatalf("second put: %d %s", r.status, r.body)
	}
	if items := slot(""); items[1].Source == "pin" {
		t.Errorf("home still pinned after the pins moved to detail: %+v", items)
	}
	var hist struct{ Versions []SlotPinsDoc }
	do(t, s, "GET", "/api/admin/slot-pins/history", "", auth...).decode(t, &hist)
	if len(hist.Versions) != 2 || hist.Versions[0].Version != 2 || hist.Versions[1].Author != "alice" {
		t.Errorf("history %+v", hist.Versions)
	}

	// A replica over the same store loads what was saved.
	other, err := NewSlotPins(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := other.For("detail", "", time.Now()); got[1] != "p02" {
		t.Errorf("a replica's pins: %v", got)
	}
}
