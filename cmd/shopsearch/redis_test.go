package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/store/redistest"
)

const redisTestToken = "t0ken"

// redisReplica is one serve process on a shared Redis: its own data
// directory and catalog, the profiles and rules in Redis.
type redisReplica struct {
	m      *Main
	base   string
	stderr *syncBuffer
}

func startRedisReplica(t *testing.T, redisURL string) *redisReplica {
	t.Helper()
	dir := t.TempDir()
	buildThree(t, dir)
	r := &redisReplica{stderr: &syncBuffer{}}
	r.m = NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0", AdminToken: redisTestToken, Redis: redisURL, Stderr: r.stderr})
	if err := r.m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.m.Close() })
	r.base = "http://" + r.m.Addr()
	return r
}

// call makes an admin request and returns the status and the decoded body.
func (r *redisReplica) call(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+redisTestToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func (r *redisReplica) mustCall(t *testing.T, method, path, body string, out any) {
	t.Helper()
	var raw json.RawMessage
	if status := r.call(t, method, path, body, &raw); status/100 != 2 {
		t.Fatalf("%s %s: status %d: %s", method, path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// profileVersion is the current version of the profile name as the
// replica's admin API lists it, 0 when it has none.
func (r *redisReplica) profileVersion(t *testing.T, name string) int {
	t.Helper()
	var body struct{ Profiles []models.WeightProfile }
	r.mustCall(t, "GET", "/api/admin/profiles", "", &body)
	for _, p := range body.Profiles {
		if p.Name == name {
			return p.Version
		}
	}
	return 0
}

func (r *redisReplica) hasRule(t *testing.T, id string) bool {
	t.Helper()
	return r.call(t, "GET", "/api/admin/rules/"+url.PathEscape(id), "", nil) == http.StatusOK
}

func (r *redisReplica) search(t *testing.T, q string) query.Response {
	t.Helper()
	var resp query.Response
	r.mustCall(t, "GET", "/api/search?q="+url.QueryEscape(q), "", &resp)
	return resp
}

// within polls cond until it holds, failing the test unless it does by
// deadline; it returns how long after since it held.
func within(t *testing.T, what string, since, deadline time.Time, cond func() bool) time.Duration {
	t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, deadline.Sub(since).Round(time.Millisecond))
		}
		time.Sleep(10 * time.Millisecond) // polling, with a deadline
	}
	return time.Since(since)
}

// TestRedisReplicasSeeEachOther: two serve processes on one Redis see each
// other's profile, selection and rule changes within a second.
func TestRedisReplicasSeeEachOther(t *testing.T) {
	url := redistest.Start(t)
	a, b := startRedisReplica(t, url), startRedisReplica(t, url)
	const fresh = time.Second

	a.mustCall(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1,"brand":1},"brand_boost":{"华为":1},"author":"a"}`, nil)
	wrote := time.Now()
	took := within(t, "b sees a's profile", wrote, wrote.Add(fresh), func() bool { return b.profileVersion(t, "default") == 1 })
	t.Logf("profile: on the other replica after %v", took.Round(time.Millisecond))
	if v := b.search(t, "手机").ProfileVersion; v != 1 {
		t.Errorf("b's search uses profile version %d, want 1", v)
	}

	var rule models.Rule
	b.mustCall(t, "POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"c","position":1,"author":"b"}`, &rule)
	wrote = time.Now()
	took = within(t, "a sees b's rule", wrote, wrote.Add(fresh), func() bool { return a.hasRule(t, rule.ID) })
	t.Logf("rule: on the other replica after %v", took.Round(time.Millisecond))
	if items := a.search(t, "手机").Items; len(items) == 0 || items[0].ID != "c" {
		t.Errorf("a's search ignores b's pin: %+v", items)
	}

	a.mustCall(t, "PUT", "/api/admin/profiles/mobile", `{"weights":{"text":1},"author":"a"}`, nil)
	a.mustCall(t, "PUT", "/api/admin/selection", `{"device":{"mobile":"mobile"},"author":"a"}`, nil)
	wrote = time.Now()
	within(t, "b sees a's selection", wrote, wrote.Add(fresh), func() bool {
		var sel struct{ Device map[string]string }
		b.mustCall(t, "GET", "/api/admin/selection", "", &sel)
		return sel.Device["mobile"] == "mobile"
	})

	a.mustCall(t, "DELETE", "/api/admin/rules/"+rule.ID, "", nil)
	wrote = time.Now()
	within(t, "b sees the rule deleted", wrote, wrote.Add(fresh), func() bool { return !b.hasRule(t, rule.ID) })

	// A save from a replica that has not polled since another's is
	// refused (409) and reloads it, so a retry saves the next version.
	a.mustCall(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":2},"author":"a"}`, nil)
	status := b.call(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":3},"author":"b"}`, nil)
	if status == http.StatusConflict {
		status = b.call(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":3},"author":"b"}`, nil)
	}
	if status != http.StatusOK {
		t.Fatalf("b's save after a's: status %d", status)
	}
	wrote = time.Now()
	within(t, "a sees b's version 3", wrote, wrote.Add(fresh), func() bool { return a.profileVersion(t, "default") == 3 })
	if s := a.stderr.String() + b.stderr.String(); s != "" {
		t.Errorf("stderr:\n%s", s)
	}
}

// TestRedisGoesAway: with Redis down a replica searches from memory,
// refuses admin writes with 503 unavailable and logs the polling failure
// once; when Redis is back it catches up and takes writes again.
func TestRedisGoesAway(t *testing.T) {
	srv := redistest.StartServer(t)
	a, b := startRedisReplica(t, srv.URL), startRedisReplica(t, srv.URL)
	a.mustCall(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1,"sales":1},"author":"a"}`, nil)
	var rule models.Rule
	a.mustCall(t, "POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"a","position":1,"author":"a"}`, &rule)
	within(t, "b sees a's changes", time.Now(), time.Now().Add(time.Second), func() bool { return b.hasRule(t, rule.ID) })

	srv.Stop()
	down := time.Now()
	resp := b.search(t, "手机")
	if resp.ProfileVersion != 1 || len(resp.Items) != 2 || resp.Items[0].ID != "a" {
		t.Errorf("search with Redis down: profile v%d, items %+v", resp.ProfileVersion, resp.Items)
	}
	if v := b.profileVersion(t, "default"); v != 1 {
		t.Errorf("profiles with Redis down: default at v%d", v)
	}
	for _, w := range []struct{ method, path, body string }{
		{"PUT", "/api/admin/profiles/default", `{"weights":{"text":1},"author":"b"}`},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"bury","item_id":"b","author":"b"}`},
		{"DELETE", "/api/admin/rules/" + rule.ID, ""},
		{"PUT", "/api/admin/selection", `{"device":{},"author":"b"}`},
	} {
		var e struct{ Code, Message string }
		status := b.call(t, w.method, w.path, w.body, &e)
		if status != http.StatusServiceUnavailable || e.Code != models.EUNAVAILABLE || !strings.Contains(e.Message, "Redis") {
			t.Errorf("%s %s with Redis down: %d %+v, want 503 unavailable", w.method, w.path, status, e)
		}
	}
	within(t, "the poller logs the failure", down, down.Add(5*time.Second), func() bool {
		return strings.Contains(b.stderr.String(), "cannot refresh")
	})
	// Let the poller fail a few more times: it must not log each.
	time.Sleep(4 * watchInterval)

	srv.Restart()
	up := time.Now()
	within(t, "a saves again", up, up.Add(10*time.Second), func() bool {
		return a.call(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1},"author":"a"}`, nil) == http.StatusOK
	})
	saved := time.Now()
	within(t, "b catches up", saved, saved.Add(5*time.Second), func() bool { return b.profileVersion(t, "default") == 2 })
	within(t, "b logs the recovery", up, up.Add(5*time.Second), func() bool {
		return strings.Contains(b.stderr.String(), "is back")
	})
	if n := strings.Count(b.stderr.String(), "cannot refresh"); n != 1 {
		t.Errorf("the poller logged %d failures, want 1 (rate-limited):\n%s", n, b.stderr.String())
	}
	if status := b.call(t, "DELETE", "/api/admin/rules/"+rule.ID, "", nil); status != http.StatusOK {
		t.Errorf("b's delete after the restart: status %d", status)
	}
}

// TestServeStartsWhileRedisIsDown: serve --redis starts degraded when its
// Redis does not answer (serve_redis.go): it searches, buffers events,
// refuses admin writes with 503 unavailable and says on /healthz what waits
// for Redis; once Redis is back it loads the profiles and rules saved there,
// replays the events and is healthy, with no restart; the same when Redis
// hangs (SIGSTOP) rather than refuses. Started with a
// password in the URL ($SHOPSEARCH_REDIS or --redis), it logs where Redis
// is without the password.
func TestServeStartsWhileRedisIsDown(t *testing.T) {
	srv := redistest.StartServer(t)
	a := startRedisReplica(t, srv.URL)
	a.mustCall(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1,"sales":1},"author":"a"}`, nil)
	var rule models.Rule
	a.mustCall(t, "POST", "/api/admin/rules", `{"query":"手机","action":"pin","item_id":"a","position":1,"author":"a"}`, &rule)
	srv.Stop()

	b := startRedisReplica(t, srv.URL)
	var h struct {
		Status   string
		Degraded map[string]string
	}
	b.mustCall(t, "GET", "/healthz", "", &h)
	if h.Status != "degraded" || !strings.Contains(h.Degraded["redis"], "unreachable at start") {
		t.Errorf("healthz of a serve started with Redis down: %+v", h)
	}
	if resp := b.search(t, "手机"); resp.ProfileVersion != 0 || len(resp.Items) != 2 {
		t.Errorf("search with Redis down since the start: profile v%d, items %+v", resp.ProfileVersion, resp.Items)
	}
	if b.hasRule(t, rule.ID) {
		t.Errorf("rule %s before Redis was reached", rule.ID)
	}
	for _, w := range []struct{ method, path, body string }{
		{"PUT", "/api/admin/profiles/default", `{"weights":{"text":1},"author":"b"}`},
		{"POST", "/api/admin/rules", `{"query":"手机","action":"bury","item_id":"b","author":"b"}`},
		{"PUT", "/api/admin/selection", `{"device":{},"author":"b"}`},
	} {
		var e struct{ Code, Message string }
		status := b.call(t, w.method, w.path, w.body, &e)
		if status != http.StatusServiceUnavailable || e.Code != models.EUNAVAILABLE || !strings.Contains(e.Message, "Redis") {
			t.Errorf("%s %s with Redis down: %d %+v, want 503 unavailable", w.method, w.path, status, e)
		}
	}
	if _, buffered := b.postEvents(t, shownAndClicked("s1", "b")); !buffered {
		t.Error("events with Redis down since the start were not buffered")
	}

	srv.Restart()
	up := time.Now()
	took := within(t, "b loads from Redis and is healthy", up, up.Add(15*time.Second), func() bool { return b.health(t) == "ok" })
	t.Logf("healthy %v after Redis is back", took.Round(time.Millisecond))
	if v := b.profileVersion(t, "default"); v != 1 {
		t.Errorf("profile default at v%d after Redis is back, want v1", v)
	}
	if resp := b.search(t, "手机"); resp.ProfileVersion != 1 || len(resp.Items) != 2 || resp.Items[0].ID != "a" {
		t.Errorf("search after Redis is back: profile v%d, items %+v; want a pinned first", resp.ProfileVersion, resp.Items)
	}
	within(t, "the buffered events rank", up, up.Add(10*time.Second), func() bool {
		p := b.item(t, "b")
		return p.Impressions == 1 && p.Clicks == 1
	})
	b.mustCall(t, "PUT", "/api/admin/profiles/default", `{"weights":{"text":1},"author":"b"}`, nil)
	within(t, "a sees b's write", time.Now(), time.Now().Add(5*time.Second), func() bool { return a.profileVersion(t, "default") == 2 })

	// A Redis that hangs (SIGSTOP) rather than refuses: serve starts
	// degraded after the 5 s the start waits for its answer.
	srv.Pause()
	started := time.Now()
	c := startRedisReplica(t, srv.URL)
	t.Logf("started with Redis hung in %v", time.Since(started).Round(time.Millisecond))
	if h := c.health(t); h != "degraded" {
		t.Errorf("healthz %q of a serve started with Redis hung", h)
	}
	if resp := c.search(t, "手机"); len(resp.Items) != 2 {
		t.Errorf("search with Redis hung since the start: items %+v", resp.Items)
	}
	srv.Resume()
	up = time.Now()
	took = within(t, "c loads from Redis and is healthy", up, up.Add(15*time.Second), func() bool { return c.health(t) == "ok" })
	t.Logf("healthy %v after Redis answers again", took.Round(time.Millisecond))
	if v := c.profileVersion(t, "default"); v != 2 {
		t.Errorf("profile default at v%d once Redis answers, want v2", v)
	}

	// A password in the URL is not logged.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	if _, err := indexer.Build(dir, []models.Product{{ID: "a", Title: "华为 手机"}}, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	redisURL := "redis://:s3cret@" + closed + "/0"
	for _, tc := range []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--redis", redisURL}, ""},
		{"env", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, redisURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(redisEnv, tc.env)
			stdout, stderr := &syncBuffer{}, &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, tc.args, stdout, stderr) }()
			within(t, "serve starts", time.Now(), time.Now().Add(30*time.Second), func() bool {
				select {
				case err := <-done:
					t.Fatalf("serve returned %v:\n%s", err, stderr.String())
				default:
				}
				return strings.Contains(stdout.String(), "serving on")
			})
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			log := stderr.String()
			if !strings.Contains(log, "starting degraded") || !strings.Contains(log, "unreachable") || !strings.Contains(log, closed) ||
				strings.Contains(log+stdout.String(), "s3cret") {
				t.Errorf("log:\n%s", log)
			}
		})
	}
	// -h shows where the default comes from, not its value.
	t.Setenv(redisEnv, redisURL)
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"serve", "-h"}, &stdout, &stderr)
	if strings.Contains(stderr.String(), "s3cret") || !strings.Contains(stderr.String(), redisEnv) {
		t.Errorf("serve -h:\n%s", stderr.String())
	}
}
