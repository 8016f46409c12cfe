package storetest

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"shopsearch/models"
)

// testScanRecent: every actor's recent behaviour of one type, newest
// first, and an error from the callback stops the scan.
func testScanRecent(t *testing.T, s BehaviorStore) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	click := func(actor, item string, at time.Duration) models.RecentEntry {
		return models.RecentEntry{Actor: actor, B: models.Behavior{Type: models.EventClick, ItemID: item, At: t0.Add(at)}}
	}
	record(t, s, models.BehaviorBatch{Recent: []models.RecentEntry{
		click("u:1", "a", 0), click("u:1", "b", time.Second), click("s:x*", "c", 0),
		{Actor: "u:2", B: models.Behavior{Type: models.EventPurchase, ItemID: "d", At: t0}},
	}})
	got := map[string][]string{}
	err := s.ScanRecent(ctx, models.EventClick, func(actor string, bs []models.Behavior) error {
		got[actor] = itemIDs(bs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"u:1": {"b", "a"}, "s:x*": {"c"}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("clicks scanned %v, want %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	err = s.ScanRecent(ctx, models.EventClick, func(string, []models.Behavior) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("a callback's error: %v after %d calls, want it after 1", err, n)
	}
}
