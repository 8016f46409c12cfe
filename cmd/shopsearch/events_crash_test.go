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
// is killed with SIGKILL and started again while Redis is still down: it
// starts degraded (serve_redis.go) and acknowledges more events into the
// same file. Then Redis comes back on the same port and serve replays the
// file with no restart: every acknowledged event is counted once, and the
// file is emptied.
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
	const shoppers, later, items, orders = 100, 10, 10, 5
	// send posts shopper k's events: one impression of every item from an
	// address of its own (anonymous, so that none is a repeat), and the
	// order system's purchases, each an order line (trusted); all must be
	// acknowledged into the buffer.
	send := func(k int) int {
		var b strings.Builder
		for j := range items {
			fmt.Fprintf(&b, `{"type":"impression","session_id":"s%d","scene":"home","items":["i%d"]},`, k, j)
		}
		status, body := child.post(t, "["+strings.TrimSuffix(b.String(), ",")+"]", "X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", k/200, k%200))
		if status != 200 || !strings.Contains(body, `"buffered":true`) {
			t.Fatalf("request %d with Redis down: %d %s", k, status, body)
		}
		b.Reset()
		for j := range orders {
			fmt.Fprintf(&b, `{"type":"purchase","user_id":"u%d","item_id":"i%d","quantity":2,"amount":10,"event_id":"o%d-%d"},`, k, j, k, j)
		}
		status, body = child.post(t, "["+strings.TrimSuffix(b.String(), ",")+"]", "Authorization", "Bearer "+redisTestToken)
		if status != 200 || !strings.Contains(body, `"buffered":true`) {
			t.Fatalf("orders %d with Redis down: %d %s", k, status, body)
		}
		return items + orders
	}
	n := 0
	for k := range shoppers {
		n += send(k)
	}
	buf := filepath.Join(dir, eventsBufferFile)
	fi, _ := os.Stat(buf)
	t.Logf("N = %d events acknowledged with Redis down; buffer file %d bytes", n, fi.Size())
	child.kill()

	// Restarted with Redis still down: it starts degraded and takes more.
	started := time.Now()
	child = startServeChild(t, addr, args...)
	var h struct {
		Status   string
		Degraded map[string]string
		Events   events.Counters
	}
	child.get(t, "/healthz", &h)
	t.Logf("restarted with Redis down: answering in %v, healthz %s %v, %d events in the buffer",
		time.Since(started).Round(time.Millisecond), h.Status, h.Degraded, h.Events.Buffered)
	if h.Status != "degraded" || h.Degraded["redis"] == "" || h.Events.Buffered != int64(n) {
		t.Errorf("healthz after the restart with Redis down: %+v; want degraded, with the %d events buffered", h, n)
	}
	m := 0
	for k := shoppers; k < shoppers+later; k++ {
		m += send(k)
	}

	srv.Restart()
	up := time.Now()
	var c events.Counters
	deadline := time.Now().Add(30 * time.Second)
	for {
		child.get(t, "/healthz", &h)
		if h.Status == "ok" {
			c = h.Events
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy within 30s of Redis coming back: %+v", h)
		}
		time.Sleep(50 * time.Millisecond) // polling, with a deadline
	}
	t.Logf("%d more acknowledged by the degraded serve; healthy %v after Redis is back: counters %+v",
		m, time.Since(up).Round(time.Millisecond), c)
	if c.Buffered != 0 || c.Replayed != int64(n+m) || c.Counted != int64(n+m) || c.Duplicates != 0 {
		t.Errorf("counters %+v: want all %d + %d replayed and counted", c, n, m)
	}
	for j := range items {
		var st models.ItemStats
		child.get(t, fmt.Sprintf("/api/admin/events/items/i%d", j), &st)
		want := models.ItemCounts{Impressions: shoppers + later}
		if j < orders {
			want.Purchases, want.Units, want.Amount = shoppers+later, 2*(shoppers+later), 10*(shoppers+later)
		}
		if st.Day30 != want {
			t.Errorf("i%d counted %+v, want %+v", j, st.Day30, want)
		}
	}
	if fi, err := os.Stat(buf); err != nil || fi.Size() != 0 {
		t.Errorf("the buffer file after the replay: %v; want it empty", err)
	}
}
