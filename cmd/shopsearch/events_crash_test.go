package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/store/events"
	"shopsearch/store/redistest"
)

// serveChild is a serve process started by startServeChild.
type serveChild struct {
	*child
	base string
}

// startServeChild starts serve with args in a child process (startChild,
// fault_test.go) listening on addr, and waits until it answers.
func startServeChild(t *testing.T, addr string, args ...string) *serveChild {
	t.Helper()
	c := &serveChild{child: startChild(t, append([]string{"serve", "--addr", addr}, args...)...), base: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(c.base + "/healthz"); err == nil {
			resp.Body.Close()
			return c
		}
		select {
		case <-c.done:
			t.Fatalf("serve exited: %v\n%s", c.err, c.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer within 60s:\n%s", c.stderr.String())
		}
		time.Sleep(50 * time.Millisecond) // polling, with a deadline
	}
}

// post posts body to /api/events with the headers (name, value pairs) and
// returns the status and the answer.
func (c *serveChild) post(t *testing.T, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/api/events", strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func (c *serveChild) get(t *testing.T, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+redisTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestEventsSurviveKillWhileRedisIsDown (issue 21): with Redis stopped,
// serve acknowledges N events — anonymous impressions from 100 shoppers'
// addresses and the order system's purchases — into its buffer file; it
// is killed with SIGKILL, Redis comes back, serve starts again and replays
// the file: every acknowledged event is counted once, and the file is
// emptied.
func TestEventsSurviveKillWhileRedisIsDown(t *testing.T) {
	srv := redistest.StartServer(t)
	dir := t.TempDir()
	var products []models.Product
	for j := range 10 {
		products = append(products, models.Product{ID: fmt.Sprint("i", j), Title: fmt.Sprint("华为 手机 ", j), Category: "数码>手机"})
	}
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	args := []string{"--data", dir, "--redis", srv.URL, "--admin-token", redisTestToken, "--trusted-proxy", "127.0.0.1"}
	child := startServeChild(t, addr, args...)
	srv.Stop()
	const shoppers, items, orders = 100, 10, 5
	n := 0
	for k := range shoppers {
		// Anonymous: one impression of every item by shopper k from an
		// address of its own (so that none is a repeat).
		var b strings.Builder
		for j := range items {
			fmt.Fprintf(&b, `{"type":"impression","session_id":"s%d","scene":"home","items":["i%d"]},`, k, j)
		}
		status, body := child.post(t, "["+strings.TrimSuffix(b.String(), ",")+"]", "X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", k/200, k%200))
		if status != 200 || !strings.Contains(body, `"buffered":true`) {
			t.Fatalf("request %d with Redis down: %d %s", k, status, body)
		}
		n += items
		// Trusted: the order system's purchases, each an order line.
		b.Reset()
		for j := range orders {
			fmt.Fprintf(&b, `{"type":"purchase","user_id":"u%d","item_id":"i%d","quantity":2,"amount":10,"event_id":"o%d-%d"},`, k, j, k, j)
		}
		status, body = child.post(t, "["+strings.TrimSuffix(b.String(), ",")+"]", "Authorization", "Bearer "+redisTestToken)
		if status != 200 || !strings.Contains(body, `"buffered":true`) {
			t.Fatalf("orders %d with Redis down: %d %s", k, status, body)
		}
		n += orders
	}
	buf := filepath.Join(dir, eventsBufferFile)
	fi, _ := os.Stat(buf)
	t.Logf("%d events acknowledged with Redis down; buffer file %d bytes", n, fi.Size())
	child.kill()

	// (serve needs Redis to start: its profiles and rules are there.)
	srv.Restart()
	started := time.Now()
	child = startServeChild(t, addr, args...)
	var c events.Counters
	deadline := time.Now().Add(30 * time.Second)
	for {
		child.get(t, "/api/admin/events/stats", &c)
		if c.Buffered == 0 && !c.Degraded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the buffer was not replayed within 30s: %+v", c)
		}
		time.Sleep(50 * time.Millisecond) // polling, with a deadline
	}
	t.Logf("restarted and replayed in %v: counters %+v", time.Since(started).Round(time.Millisecond), c)
	if c.Replayed != int64(n) || c.Counted != int64(n) || c.Duplicates != 0 {
		t.Errorf("counters %+v: want all %d replayed and counted", c, n)
	}
	for j := range items {
		var st models.ItemStats
		child.get(t, fmt.Sprintf("/api/admin/events/items/i%d", j), &st)
		want := models.ItemCounts{Impressions: shoppers}
		if j < orders {
			want.Purchases, want.Units, want.Amount = shoppers, 2*shoppers, 10*shoppers
		}
		if st.Day30 != want {
			t.Errorf("i%d counted %+v, want %+v", j, st.Day30, want)
		}
	}
	if fi, err := os.Stat(buf); err != nil || fi.Size() != 0 {
		t.Errorf("the buffer file after the replay: %v; want it empty", err)
	}
}
