package events

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

// TestBufferFileSurvivesCrash: with Redis stopped, acknowledged events go
// to the buffer file; an ingester opened on it after a crash (the first
// never closed), while Redis is still down, holds them all; when Redis is
// back they are applied in order, once, and the file is truncated. A
// replay of the same file again (a crash before the truncation) counts
// nothing twice. A full buffer refuses a batch whole.
func TestBufferFileSurvivesCrash(t *testing.T) {
	srv := redistest.StartServer(t)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	path := filepath.Join(t.TempDir(), "events-buffer.log")
	cfg := Config{BufferPath: path, BufferSize: 1_000}
	in, err := Open(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	const n = 900 // impressions of 9 items by 100 shoppers, and 100 trusted purchases
	sent := 0
	for k := range 100 {
		var evs []models.Event
		for j := range 9 {
			evs = append(evs, models.Event{Type: "impression", SessionID: fmt.Sprint("s", k), Scene: "home", Items: []string{fmt.Sprint("i", j)}})
		}
		res, err := in.Ingest(ctx, evs, fmt.Sprint("10.0.0.", k))
		if err != nil || !res.Buffered || res.Accepted != 9 {
			t.Fatalf("batch %d with Redis down: %+v, %v", k, res, err)
		}
		sent += 9
		res, err = in.IngestTrusted(ctx, []models.Event{{Type: "purchase", UserID: "u", ItemID: "i0", EventID: fmt.Sprint("o", k)}})
		if err != nil || !res.Buffered {
			t.Fatalf("purchase %d with Redis down: %+v, %v", k, res, err)
		}
		sent++
	}
	// Full: a batch that does not fit is refused whole, with unavailable.
	over := make([]models.Event, 2)
	for i := range over {
		over[i] = models.Event{Type: "click", SessionID: "late", ItemID: "i1"}
	}
	if _, err := in.Ingest(ctx, over, ""); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("a batch over the buffer's bound: %v, want unavailable", err)
	}
	if c := in.Counters(); c.Buffered != 1000 || c.BufferRefused != 2 || c.Accepted != 1000 {
		t.Errorf("counters while down: %+v", c)
	}
	// A torn append (a crash mid-write, never acknowledged) after them.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`0badf00d {"e":{"type":"cli`)
	f.Close()
	crashed, _ := os.ReadFile(path)

	// The crash: in is never closed. A new ingester, Redis still down.
	in2, err := Open(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Close()
	if c := in2.Counters(); c.Buffered != int64(sent) {
		t.Fatalf("after the crash the buffer holds %d events, want %d", c.Buffered, sent)
	}
	if in2.Replay(ctx) {
		t.Fatal("a replay with Redis down reported success")
	}
	srv.Restart()
	if !in2.Replay(ctx) {
		t.Fatal("the replay failed with Redis back")
	}
	check := func(when string) {
		t.Helper()
		ids := make([]string, 9)
		for j := range ids {
			ids[j] = fmt.Sprint("i", j)
		}
		w, err := r.ItemWindows(ctx, ids, store.Day(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		for j, x := range w {
			want := models.ItemCounts{Impressions: 100}
			if j == 0 {
				want.Purchases, want.Units = 100, 100
			}
			if x.Day1 != want {
				t.Errorf("%s: %s counted %+v, want %+v", when, x.ID, x.Day1, want)
			}
		}
	}
	check("after the replay")
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("the buffer file after the replay: %v, %v; want it truncated", fi.Size(), err)
	}
	if c := in2.Counters(); c.Replayed != int64(sent) || c.Counted != int64(sent) || c.Degraded {
		t.Errorf("counters after the replay: %+v", c)
	}
	// A crash after the replay but before the truncation: the same file
	// again counts nothing twice.
	again := filepath.Join(t.TempDir(), "again.log")
	os.WriteFile(again, crashed, 0o644)
	cfg.BufferPath = again
	in3, err := Open(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	defer in3.Close()
	if !in3.Replay(ctx) {
		t.Fatal("the second replay failed")
	}
	check("after replaying the file again")
	if c := in3.Counters(); c.Duplicates != int64(sent) || c.Counted != 0 {
		t.Errorf("counters of the second replay: %+v; want every event a duplicate", c)
	}
}
