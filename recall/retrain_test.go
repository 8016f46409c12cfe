package recall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/store"
	"shopsearch/store/events"
)

// storeCatalog is a Catalog over a rank.Store alone: no weight profiles,
// no search (the detail scene needs neither).
type storeCatalog struct{ st *rank.Store }

func (c storeCatalog) Store() *rank.Store                      { return c.st }
func (c storeCatalog) Merch() (*rank.Profiles, *rank.Rulebook) { return nil, nil }
func (c storeCatalog) Search(context.Context, query.Request) (*query.Response, error) {
	return nil, errors.New("no search in this test")
}

// TestRetrainFromStoreEvents closes the loop events → store → model →
// slots: clicks taken in by the event intake land in the embedded
// behaviour store, the recall retraining reads them from it, publishes
// and loads the model, and the next detail slot has the model's
// neighbours. The clock is fixed.
func TestRetrainFromStoreEvents(t *testing.T) {
	ctx := context.Background()
	now := clocktest.Fixed(clocktest.Date(2026, 11, 30, 12, 0))
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"), store.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ps []models.Product
	for i := range 12 {
		ps = append(ps, models.Product{ID: fmt.Sprint("p", i), Title: "t", Category: "数码>手机配件", Price: 10, Sales30d: int64(100 - i)})
	}
	dir := t.TempDir()
	svc, err := NewService(ServiceConfig{Catalog: storeCatalog{rank.NewStore(ps, nil)}, Behavior: st, RecallStore: st,
		DataDir: dir, ModelPoll: -1, NoSampleLog: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	detail := func() []string {
		t.Helper()
		slot, err := svc.Recommend(ctx, SlotRequest{Scene: SceneDetail, Item: "p7", N: 4})
		if err != nil || len(slot.Warnings) > 0 {
			t.Fatalf("detail: %v %v", err, slot.Warnings)
		}
		var out []string
		for _, it := range slot.Items {
			out = append(out, it.Product.ID+"/"+it.Source)
		}
		return out
	}
	if got := detail(); slices.Contains(got, "p9/"+SourceItem) {
		t.Fatalf("item2item before any model: %v", got)
	}

	// Twenty shoppers look at p7, then p9.
	in := events.New(events.Config{ClicksWithoutImpression: true, Now: now}, st)
	defer in.Close()
	var evs []models.Event
	for u := range 20 {
		for k, item := range []string{"p7", "p9"} {
			evs = append(evs, models.Event{Type: models.EventClick, UserID: fmt.Sprint("u", u), ItemID: item,
				Time: now().Add(time.Duration(k-10) * time.Minute)})
		}
	}
	if res, err := in.Ingest(ctx, evs, ""); err != nil || res.Accepted != len(evs) {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	got, err := EventsFromStore(ctx, st, nil)
	if err != nil || len(got) != len(evs) || got[0].User != "u:u0" || got[0].Item != "p7" || got[1].Item != "p9" {
		t.Fatalf("events from the store: %d %v, first %+v", len(got), err, got[:min(2, len(got))])
	}

	if err := svc.RetrainRecall(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ModelFile)); err != nil {
		t.Fatalf("no model published: %v", err)
	}
	if got := detail(); !slices.Contains(got, "p9/"+SourceItem) {
		t.Errorf("after retraining on the store's events, detail of p7: %v (want p9 from item2item)", got)
	}
}

// Both behaviour stores can be retrained from.
var (
	_ BehaviorLog = (*store.Embedded)(nil)
	_ BehaviorLog = (*store.Redis)(nil)
)
