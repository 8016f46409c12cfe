package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/store"
)

func TestLoadEvents(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "behavior.csv")
	os.WriteFile(csv, []byte("user_id,item_id,category_id,behavior_type,timestamp\n"+
		"1,100,9,pv,1511544000\n"+
		"1,100,9,view,1511544001\n"+ // line 3: an unknown behaviour
		"1,101,9,cart,1511544002\n"+
		"1,101,9\n"+ // line 5: too few fields
		"2,100,9,buy,1511547600\n"+ // the newest: shifted to within the last hour
		"1,102,9,fav,yesterday\n"), 0o644) // line 7
	sdir := filepath.Join(dir, "tmall")
	os.Mkdir(sdir, 0o755)
	sessions := filepath.Join(sdir, "train_sessions.txt")
	os.WriteFile(sessions, []byte("5 6 5\n\n7\n"), 0o644)

	data := filepath.Join(dir, "data")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"load-events", "--data", data, csv, sessions}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	t.Logf("stdout:\n%sstderr:\n%s", stdout.String(), stderr.String())
	for _, want := range []string{"behavior.csv: line 3: behavior_type \"view\"", "line 5: 3 fields", "line 7: timestamp",
		"train_sessions.txt: line 2: no item ids"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	for _, want := range []string{"behavior.csv: 6 records, 3 events loaded", "3 bad lines", "train_sessions.txt: 5 records, 4 events loaded", "1 bad lines"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}

	st, err := store.OpenEmbedded(filepath.Join(data, behaviorFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, _ := st.RecentBehavior(ctx, "u:1", models.EventAddToCart, 10)
	if len(r) != 1 || r[0].ItemID != "101" || time.Since(r[0].At) > 2*time.Hour {
		t.Errorf("user 1's carts %+v, want item 101 about an hour ago", r)
	}
	s, _ := st.RecentBehavior(ctx, "s:tmall-1", models.EventClick, 10)
	if len(s) != 3 || s[0].ItemID != "5" || s[2].ItemID != "5" {
		t.Errorf("session 1's clicks %+v, want 5 6 5, newest first", s)
	}
	// The last seven days, not today alone: the events end about now, so
	// just after midnight (UTC) some of them are yesterday's.
	w, _ := st.ItemWindows(ctx, []string{"100", "5"}, store.Day(time.Now()))
	if c := w[0].Day7; c.Clicks != 1 || c.Purchases != 1 {
		t.Errorf("item 100: %+v", c)
	}
	if c := w[1].Day7; c.Clicks != 1 { // the session's second click on 5 is a repeat
		t.Errorf("item 5: %+v", c)
	}

	t.Setenv(redisEnv, "")
	if err := run(ctx, []string{"load-events", csv}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--data") {
		t.Errorf("without a store: %v", err)
	}
}
