package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/models/clocktest"
)

// Fault tests: a real `serve` or `index` in a child process (this test
// binary, re-executed as the command: see TestMain) killed with SIGKILL at
// the worst moments, then checked. The default run is short; set
// SHOPSEARCH_FAULT_LONG=1 for more rounds (doc/reliability.md has the
// figures of both).

// childEnv carries a child's command line, its arguments joined by U+001F (unit separator).
const childEnv = "SHOPSEARCH_TEST_CHILD"

// faultLongEnv turns on the long versions of the fault tests.
const faultLongEnv = "SHOPSEARCH_FAULT_LONG"

// runChild runs the command a fault test's child process was started for
// (childEnv) and exits; it returns when this process is not such a child.
// TestMain (contract_test.go) calls it first.
func runChild() {
	args := os.Getenv(childEnv)
	if args == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "shopsearch:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a shopsearch command running in a process of its own.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when it has exited
	err            error         // its exit status, once done
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: exec.Command(self), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	env := []string{childEnv + "=" + strings.Join(args, "\x1f")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, childEnv+"=") && !strings.HasPrefix(kv, redisEnv+"=") && !strings.HasPrefix(kv, tokenEnv+"=") {
			env = append(env, kv)
		}
	}
	c.cmd.Env, c.cmd.Stdout, c.cmd.Stderr = env, c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(c.kill)
	return c
}

// kill ends the child with SIGKILL and waits for it.
func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// startServe starts `serve` on dir and waits until it listens.
func startServe(t *testing.T, dir, token string, extra ...string) (*child, string) {
	t.Helper()
	args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--admin-token", token, "--model-poll", "-1s"}, extra...)
	c := startChild(t, args...)
	deadline := time.After(3 * time.Minute)
	for {
		if m := servingRE.FindStringSubmatch(c.stdout.String()); m != nil {
			return c, "http://" + m[1]
		}
		select {
		case <-c.done:
			t.Fatalf("serve exited: %v\n%s", c.err, c.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not start within 3 minutes:\n%s", c.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// faultCatalog builds a data directory of the first n demo products.
func faultCatalog(t *testing.T, dir string, n int) []models.Product {
	t.Helper()
	var products []models.Product
	_, err := indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		if len(products) < n {
			indexer.Synthesize(&p, 42, clocktest.Date(2025, 6, 1, 0, 0))
			products = append(products, p)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	return products
}

// ---- the writers' ledger ----

// ledger is what the writers were told: per item, the stock of the last
// acknowledged write and the stock of a write in flight when the server
// died (which may or may not have been applied); per new item, whether its
// upsert (or delete) was acknowledged or in flight.
type ledger struct {
	mu       sync.Mutex
	acked    map[string]int64 // id → stock acknowledged last
	inflight map[string]int64 // id → stock of a write with no answer
	created  map[string]bool  // new items: true acknowledged, false in flight
	deleted  map[string]bool  // true acknowledged, false in flight
	writes   int              // acknowledged item writes
	requests int              // acknowledged requests
}

// writerSpan is the number of writers, and the stride of their stock
// figures.
const writerSpan = 4

func newLedger() *ledger {
	return &ledger{acked: map[string]int64{}, inflight: map[string]int64{}, created: map[string]bool{}, deleted: map[string]bool{}}
}

// writer sends writes for its own items until the server stops answering
// or stop is closed: bulk updates of 20 items, single PATCHes, upserts of
// new items and deletes of them. Every stock figure it sends is new for
// the item (stock has no rule tying it to another field, so no update is
// rejected).
func (l *ledger) writer(round, w int, base, token string, own []string, stop <-chan struct{}) {
	client := &http.Client{Timeout: 30 * time.Second}
	send := func(method, path, body string) bool {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	var mine []string                     // new items whose upsert was acknowledged, not deleted
	for n := round*1_000_000 + 1; ; n++ { // ids and stock figures unique across rounds too
		select {
		case <-stop:
			return
		default:
		}
		stock := int64(n*writerSpan + w) // unique per writer and op
		var ids []string
		var method, path, body string
		newID := ""
		delID := ""
		switch k := n % 10; {
		case k <= 5:
			var ups []string
			for j := range 20 {
				id := own[(n*20+j)%len(own)]
				ids = append(ids, id)
				ups = append(ups, fmt.Sprintf(`{"id":%q,"stock":%d}`, id, stock))
			}
			method, path, body = "POST", "/api/items/_update", "["+strings.Join(ups, ",")+"]"
		case k <= 7:
			id := own[n%len(own)]
			ids = []string{id}
			method, path, body = "PATCH", "/api/items/"+id, fmt.Sprintf(`{"stock":%d}`, stock)
		case k == 8 || len(mine) == 0:
			newID = fmt.Sprintf("fault-%d-%d", w, n)
			method, path, body = "POST", "/api/items", fmt.Sprintf(`{"id":%q,"title":"故障 测试 商品 %d","stock":%d}`, newID, n, stock)
		default:
			delID = mine[len(mine)-1]
			mine = mine[:len(mine)-1]
			method, path = "DELETE", "/api/items/"+delID
		}
		l.mu.Lock()
		for _, id := range ids {
			l.inflight[id] = stock
		}
		if newID != "" {
			l.created[newID] = false
		}
		if delID != "" {
			l.deleted[delID] = false
		}
		l.mu.Unlock()
		ok := send(method, path, body)
		l.mu.Lock()
		if ok {
			for _, id := range ids {
				l.acked[id] = stock
				delete(l.inflight, id)
			}
			if newID != "" {
				l.created[newID] = true
				mine = append(mine, newID)
			}
			if delID != "" {
				l.deleted[delID] = true
			}
			l.writes += max(len(ids), 1)
			l.requests++
		}
		l.mu.Unlock()
		if !ok {
			return // the server died (or refused): this write stays in flight
		}
	}
}

// check reads every item the writers touched from a restarted server and
// returns how many acknowledged writes are missing, logging each.
func (l *ledger) check(t *testing.T, base string, original map[string]int64) (lost int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	get := func(id string) (models.Product, bool) {
		resp, err := http.Get(base + "/api/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return models.Product{}, false
		}
		var p models.Product
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p, true
	}
	for id, want := range l.acked {
		p, ok := get(id)
		if !ok {
			if l.deleted[id] { // a new item deleted since (acknowledged or in flight)
				continue
			}
			t.Errorf("%s: gone after the restart", id)
			lost++
			continue
		}
		if p.Stock == want {
			continue
		}
		if f, ok := l.inflight[id]; ok && p.Stock == f {
			l.acked[id] = f // the write in flight was applied: it is the new state
			delete(l.inflight, id)
			continue
		}
		t.Errorf("%s: stock %d after the restart, acknowledged %d", id, p.Stock, want)
		lost++
	}
	for id, f := range l.inflight { // never acknowledged: either value is right
		if _, acked := l.acked[id]; acked {
			continue
		}
		if p, ok := get(id); ok && p.Stock != f && p.Stock != original[id] {
			t.Errorf("%s: stock %d is neither the original %d nor the write in flight %d", id, p.Stock, original[id], f)
		}
	}
	clear(l.inflight)
	for id, acked := range l.created {
		_, ok := get(id)
		switch del, seen := l.deleted[id]; {
		case acked && !seen && !ok:
			t.Errorf("%s: acknowledged upsert gone after the restart", id)
			lost++
		case seen && del && ok:
			t.Errorf("%s: acknowledged delete undone by the restart", id)
			lost++
		}
		if !acked && ok {
			l.created[id] = true
		}
	}
	return lost
}

func faultLong() bool { return os.Getenv(faultLongEnv) != "" }

// TestFaultKillServe kills a child serve with SIGKILL while writers
// stream acknowledged writes into it (every second round at the moment a
// compaction's snapshot file appears), restarts it on the same data and
// checks that every acknowledged write is there and no compaction
// leftover is. The change log compacts at 64 KiB so that compactions run
// all the time.
func TestFaultKillServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	rounds, writeFor := 2, 1500*time.Millisecond
	if faultLong() {
		rounds, writeFor = 10, 3*time.Second
	}
	dir := t.TempDir()
	products := faultCatalog(t, dir, 1000)
	original := map[string]int64{}
	for _, p := range products {
		original[p.ID] = p.Stock
	}
	const token, writers = "fault-token", writerSpan
	l := newLedger()
	midCompaction, compactions, lost := 0, 0, 0
	srv, base := startServe(t, dir, token, "--compact-at", "64KiB")
	for round := range rounds {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			var own []string
			for i := w; i < len(products); i += writers {
				own = append(own, products[i].ID)
			}
			wg.Go(func() { l.writer(round, w, base, token, own, stop) })
		}
		if round%2 == 1 {
			// Kill as a compaction writes its snapshot: watch for the file.
			if waitForCompaction(dir, writeFor+10*time.Second) {
				midCompaction++
			}
		} else {
			time.Sleep(writeFor)
		}
		srv.kill()
		close(stop)
		wg.Wait()
		compactions += strings.Count(srv.stderr.String(), "compacted the change log")
		leftovers := compactionLeftovers(t, dir)
		srv, base = startServe(t, dir, token, "--compact-at", "64KiB")
		if left := compactionLeftovers(t, dir); len(left) > 0 {
			t.Errorf("round %d: leftovers after the restart: %v", round, left)
		}
		n := l.check(t, base, original)
		lost += n
		t.Logf("round %d: %d acknowledged writes in %d requests so far, %d lost; compaction files at the kill: %v",
			round, l.writes, l.requests, n, leftovers)
	}
	t.Logf("%d rounds: %d acknowledged item writes (%d requests), %d lost; %d compactions, %d kills mid-compaction",
		rounds, l.writes, l.requests, lost, compactions, midCompaction)
	if l.writes == 0 {
		t.Error("no write was acknowledged")
	}
}

// waitForCompaction polls the published generation for a compaction's
// temporary file, returning true as soon as one exists.
func waitForCompaction(dataDir string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if gen, err := currentGen(dataDir); err == nil {
			if m, _ := filepath.Glob(filepath.Join(gen, "*.tmp")); len(m) > 0 {
				return true
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return false
}

func currentGen(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "CURRENT"))
	if err != nil {
		return "", err
	}
	return filepath.Join(dataDir, strings.TrimSpace(string(b))), nil
}

// compactionLeftovers lists the temporary files of compactions in the
// published generation.
func compactionLeftovers(t *testing.T, dataDir string) []string {
	t.Helper()
	gen, err := currentGen(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(gen, "*.tmp"))
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// TestFaultKillIndex kills a child `index` in the middle of its build:
// the previous generation stays published and opens whole, the lock dies
// with the process, and the next owner removes the half-built generation.
func TestFaultKillIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	rounds := 1
	if faultLong() {
		rounds = 5
	}
	dir := t.TempDir()
	first := faultCatalog(t, dir, 300)
	before, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}
	// A bigger catalog, so that the build takes a while: the demo
	// catalog three times under new ids.
	catalog := filepath.Join(t.TempDir(), "big.jsonl")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for k := range 3 {
		indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
			p.ID = p.ID + "-" + strconv.Itoa(k)
			return enc.Encode(&p)
		}, nil)
	}
	if err := os.WriteFile(catalog, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := range rounds {
		c := startChild(t, "index", "--catalog", catalog, "--data", dir)
		// Wait for the half-built generation, then give the build a
		// moment more (longer each round) before the kill.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			m, _ := filepath.Glob(filepath.Join(dir, "gen-*.tmp"))
			if len(m) > 0 {
				break
			}
			select {
			case <-c.done:
				t.Fatalf("index finished before it could be killed: %v\n%s", c.err, c.stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("no build started within 2 minutes")
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(50+100*round) * time.Millisecond)
		c.kill()
		if now, _ := os.ReadFile(filepath.Join(dir, "CURRENT")); !bytes.Equal(now, before) {
			t.Fatalf("round %d: CURRENT changed by a killed build: %q → %q", round, before, now)
		}
		half, _ := filepath.Glob(filepath.Join(dir, "gen-*.tmp"))
		cat, products, err := indexer.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: the previous generation does not open: %v", round, err)
		}
		cat.Close()
		if len(products) != len(first) {
			t.Errorf("round %d: %d products, want %d", round, len(products), len(first))
		}
		lock, err := indexer.LockDir(dir, "test") // free: the kernel dropped the dead process's lock
		if err != nil {
			t.Fatalf("round %d: lock after the kill: %v", round, err)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "gen-*.tmp")); len(m) > 0 {
			t.Errorf("round %d: half-built generation left after the next owner started: %v", round, m)
		}
		lock.Unlock()
		t.Logf("round %d: killed with %d half-built generation(s); previous generation whole (%d products)", round, len(half), len(products))
	}
	// And a build that is left alone publishes.
	var stdout, stderr bytes.Buffer
	if err := runIndex(context.Background(), []string{"--catalog", catalog, "--data", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("index after the kills: %v\n%s", err, stderr.String())
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "CURRENT")); bytes.Equal(now, before) {
		t.Error("the build after the kills did not publish")
	}
}

// TestIndexRefusedWhileServing: a serve owns its data directory. index on
// it without the serve's token is refused with a message that says why
// and what to do, and writes acknowledged before and after the attempt
// survive the serve's restart. A second serve on the directory is refused.
func TestIndexRefusedWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv(tokenEnv, "")
	dir := t.TempDir()
	id := faultCatalog(t, dir, 200)[0].ID
	const token = "lock-token"
	srv, base := startServe(t, dir, token)
	patch := func(stock string) {
		t.Helper()
		if r := do(t, "PATCH", base+"/api/items/"+id, `{"stock":`+stock+`}`, token); r.StatusCode != 200 {
			t.Fatalf("patch: %d", r.StatusCode)
		}
	}
	patch("11")
	catalog := filepath.Join(t.TempDir(), "c.jsonl")
	os.WriteFile(catalog, []byte(`{"id":"x1","title":"新 目录"}`+"\n"), 0o644)
	var stdout, stderr bytes.Buffer
	err := runIndex(context.Background(), []string{"--catalog", catalog, "--data", dir}, &stdout, &stderr)
	if !errors.Is(err, indexer.ErrLocked) || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "held by serve at http://") ||
		!strings.Contains(err.Error(), "--admin-token") {
		t.Fatalf("index on a served directory: %v", err)
	}
	t.Logf("index says: %v", err)
	patch("12")
	m := NewMain(ServeConfig{DataDir: dir, Addr: "127.0.0.1:0"})
	if err := m.Run(context.Background()); !errors.Is(err, indexer.ErrLocked) {
		t.Errorf("a second serve on the directory: %v", err)
	}
	srv.kill()
	_, base = startServe(t, dir, token)
	var p models.Product
	getJSON(t, base+"/api/items/"+id, &p)
	if p.Stock != 12 {
		t.Errorf("stock %d after the restart, want 12", p.Stock)
	}
	if resp, err := http.Get(base + "/api/items/x1"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the refused index's item is there: %v", err)
	}
}

// TestFaultHandOffBuild: index on a served directory, with the serve's
// token, hands the build to the serve, which publishes it while writers
// go on; the serve is then killed with SIGKILL and restarted on the new
// generation, where every write acknowledged since the build began is.
func TestFaultHandOffBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	products := faultCatalog(t, dir, 1000)
	original := map[string]int64{}
	var upload bytes.Buffer
	enc := json.NewEncoder(&upload)
	for i := range products {
		original[products[i].ID] = products[i].Stock
		enc.Encode(&products[i])
	}
	// Three times over under new ids, so that the build takes a while.
	for k := range 3 {
		for _, p := range products {
			p.ID += "-" + strconv.Itoa(k)
			enc.Encode(&p)
		}
	}
	catalog := filepath.Join(t.TempDir(), "next.jsonl")
	if err := os.WriteFile(catalog, upload.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const token = "handoff-token"
	srv, base := startServe(t, dir, token)
	before, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	var stdout, stderr bytes.Buffer
	indexDone := make(chan error, 1)
	go func() {
		indexDone <- runIndex(context.Background(), []string{"--catalog", catalog, "--data", dir, "--admin-token", token}, &stdout, &stderr)
	}()
	// The writers start once the build has (its change log exists): what
	// they write from then on must all be in the new generation.
	for deadline := time.Now().Add(time.Minute); ; {
		if m, _ := filepath.Glob(filepath.Join(dir, "changes-*.jsonl.tmp")); len(m) > 0 {
			break
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "gen-*.tmp", "changes.jsonl")); len(m) > 0 {
			break
		}
		select {
		case err := <-indexDone:
			t.Fatalf("index returned before the writers could start: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the build did not start within a minute")
		}
		time.Sleep(time.Millisecond)
	}
	l := newLedger()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writerSpan {
		var own []string
		for i := w; i < len(products); i += writerSpan {
			own = append(own, products[i].ID)
		}
		wg.Go(func() { l.writer(0, w, base, token, own, stop) })
	}
	if err := <-indexDone; err != nil {
		t.Fatalf("index: %v\n%s", err, stderr.String())
	}
	duringBuild := l.count()
	t.Logf("index: %s%s", stderr.String(), stdout.String())
	time.Sleep(500 * time.Millisecond) // writes after the publish, before the restart
	srv.kill()
	close(stop)
	wg.Wait()
	after, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if bytes.Equal(after, before) {
		t.Fatal("the hand-off build did not publish")
	}
	_, base = startServe(t, dir, token)
	var health struct{ Products int }
	getJSON(t, base+"/healthz", &health)
	lost := l.check(t, base, original)
	t.Logf("%d acknowledged writes while the serve built (%d in all, then SIGKILL), %d lost; %d products after the restart",
		duringBuild, l.count(), lost, health.Products)
	if duringBuild == 0 {
		t.Log("no write was acknowledged during the build (a fast build): the test covered writes after the publish only")
	}
	if health.Products < 4*len(products) {
		t.Errorf("%d products after the restart, want the new catalog's %d and more", health.Products, 4*len(products))
	}
}

// count is the number of acknowledged item writes.
func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}
