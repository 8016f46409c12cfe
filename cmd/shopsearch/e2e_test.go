package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shopsearch/models/clocktest"
	"shopsearch/query"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeEndToEnd starts the service on an empty data directory (so it
// builds the embedded demo catalog), searches it over HTTP, shuts it down,
// and then starts it again through the command line on the same directory.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := NewMain(ServeConfig{
		DataDir: dir, Addr: "127.0.0.1:0", Seed: 42,
		Now:    func() time.Time { return clocktest.Date(2025, 11, 11, 0, 0) },
		Stdout: &stdout, Stderr: &stderr,
	})
	start := time.Now()
	if err := m.Run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	t.Logf("ready in %s (demo build included; race detector on when -race)", time.Since(start).Round(time.Millisecond))
	out := stdout.String()
	if !regexp.MustCompile(`built demo catalog: 4,\d{3} products in [\d.]+s \(synthetic`).MatchString(out) ||
		!strings.Contains(out, "serving on http://"+m.Addr()) {
		t.Errorf("stdout:\n%s", out)
	}
	base := "http://" + m.Addr()

	var health struct {
		Status   string `json:"status"`
		Products int    `json:"products"`
	}
	getJSON(t, base+"/healthz", &health)
	if health.Status != "ok" || health.Products < 4000 {
		t.Fatalf("healthz: %+v", health)
	}
	for _, q := range []string{"手机", "藍牙耳機", "奶粉"} {
		var resp query.Response
		getJSON(t, base+"/api/search?q="+url.QueryEscape(q)+"&sort=sales", &resp)
		if resp.Total == 0 || len(resp.Items) == 0 || resp.Facets == nil {
			t.Errorf("%s: no results (%+v)", q, resp)
			continue
		}
		if !strings.Contains(resp.Items[0].Highlight, "<em>") {
			t.Errorf("%s: first highlight %q has no <em>", q, resp.Items[0].Highlight)
		}
	}
	if r := do(t, "POST", base+"/api/items", `{"id":"x","title":"y"}`, ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("write without a configured token: %d", r.StatusCode)
	}
	if r := do(t, "GET", base+"/", "", ""); r.StatusCode != http.StatusOK {
		t.Errorf("GET /: %d", r.StatusCode)
	}

	cancel()
	select {
	case <-m.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("no shutdown 15s after the context was cancelled")
	}
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", m.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("still listening on %s after shutdown", m.Addr())
	}

	t.Run("restart via the command line", func(t *testing.T) {
		t.Setenv(tokenEnv, "e2e-token")
		var stdout syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errc := make(chan error, 1)
		go func() { errc <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
		addr := waitForAddr(t, &stdout, errc)
		if strings.Contains(stdout.String(), "built demo catalog") {
			t.Errorf("rebuilt a data directory that had a catalog:\n%s", stdout.String())
		}
		body := `{"id":"e2e-1","title":"端到端 测试 专用 保温杯","price":59}`
		if r := do(t, "POST", "http://"+addr+"/api/items", body, "e2e-token"); r.StatusCode != http.StatusOK {
			t.Fatalf("upsert with the token from %s: %d", tokenEnv, r.StatusCode)
		}
		var resp query.Response
		getJSON(t, "http://"+addr+"/api/search?q="+url.QueryEscape("保温杯 端到端"), &resp)
		if resp.Total == 0 || resp.Items[0].ID != "e2e-1" || resp.Items[0].Partial {
			t.Errorf("upserted item not found first: %+v", resp)
		}
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not return 15s after the context was cancelled")
		}
	})
}

var servingRE = regexp.MustCompile(`serving on http://(\S+)`)

// waitForAddr waits for serve to print its address.
func waitForAddr(t *testing.T, stdout *syncBuffer, errc <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-errc:
			t.Fatalf("serve exited early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no address within 60s:\n%s", stdout.String())
	return ""
}

func do(t *testing.T, method, target, body, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func getJSON(t *testing.T, target string, v any) {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", target, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(fmt.Errorf("GET %s: %w", target, err))
	}
}
