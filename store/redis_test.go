package store

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
	"shopsearch/store/redistest"
	"shopsearch/store/storetest"
)

func openRedis(t *testing.T, url string, opts ...Option) *Redis {
	t.Helper()
	r, err := OpenRedis(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestRedisConformance runs the suite on one server, each test under a
// prefix of its own (so each starts empty).
func TestRedisConformance(t *testing.T) {
	url := redistest.Start(t)
	n := 0
	storetest.Run(t, func(t *testing.T) storetest.Store {
		n++
		return openRedis(t, fmt.Sprintf("%s?prefix=conformance-%d:", url, n))
	})
}

// TestRedisReplicas: two stores on one Redis (two replicas) share the
// state and its version, and race for profile versions like writers of
// one store do.
func TestRedisReplicas(t *testing.T) {
	url := redistest.Start(t)
	a, b := openRedis(t, url), openRedis(t, url)
	if err := a.AppendProfile("mobile", 1, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.AppendProfile("mobile", 1, []byte(`{"v":"b"}`)); models.ErrorCode(err) != models.ECONFLICT {
		t.Errorf("appending a version the other replica stored: %v, want a conflict", err)
	}
	if err := b.PutRule("r-1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	va, err := a.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	vb, err := b.Version(context.Background())
	if err != nil || va != vb || va != 2 {
		t.Errorf("versions %d and %d (%v), want 2 on both", va, vb, err)
	}
	var rules []string
	a.Rules(func(id string, _ []byte) error { rules = append(rules, id); return nil })
	if fmt.Sprint(rules) != "[r-1]" {
		t.Errorf("replica a sees rules %v", rules)
	}

	// Writers on both replicas racing for the same versions: one wins each.
	const rounds = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int]int{}
	for i, st := range []*Redis{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 1; v <= rounds; v++ {
				err := st.AppendProfile("race", v, []byte(strconv.Itoa(i)))
				if err == nil {
					mu.Lock()
					won[v]++
					mu.Unlock()
				} else if models.ErrorCode(err) != models.ECONFLICT {
					t.Errorf("writer %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	for v := 1; v <= rounds; v++ {
		if won[v] != 1 {
			t.Errorf("version %d won %d times", v, won[v])
		}
	}
}

// TestRedisPrefix: every key is under the prefix, and stores with other
// prefixes see none of them.
func TestRedisPrefix(t *testing.T) {
	url := redistest.Start(t)
	def, other := openRedis(t, url), openRedis(t, url+"?prefix=tenant-b:")
	if err := def.AppendProfile("p", 1, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := def.PutRule("r", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := def.PutSetting("selection", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if v, err := other.Version(context.Background()); err != nil || v != 0 {
		t.Errorf("other prefix: version %d, %v", v, err)
	}
	if s, err := other.Setting("selection"); err != nil || s != nil {
		t.Errorf("other prefix: setting %q, %v", s, err)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no keys")
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, DefaultRedisPrefix) {
			t.Errorf("key %q is not under %q", k, DefaultRedisPrefix)
		}
	}
}

func TestOpenRedisErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct{ url, want string }{
		{"redis://:s3cret@" + closed + "/0", "unreachable"},
		{"http://" + closed, "redis URL"},
		{"redis://:s3cret@" + closed + "/0?bogus=1", "redis URL"},
		{"redis://:s3cret@[::1/0", "redis URL"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := OpenRedis(ctx, tc.url)
		cancel()
		if err == nil {
			r.Close()
			t.Errorf("%s: opened", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q, want one saying %q without the password", tc.url, err, tc.want)
		}
	}
}

// TestRedisUnavailable: with Redis down every method fails with code
// unavailable; once it is back they work again, on the data it kept.
func TestRedisUnavailable(t *testing.T) {
	srv := redistest.StartServer(t)
	r := openRedis(t, srv.URL)
	if err := r.AppendProfile("p", 1, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	nop := func(string, int, []byte) error { return nil }
	for what, err := range map[string]error{
		"AppendProfile":   r.AppendProfile("p", 2, []byte(`{}`)),
		"ProfileVersions": r.ProfileVersions(nop),
		"PutRule":         r.PutRule("r", []byte(`{}`)),
		"DeleteRule":      r.DeleteRule("r"),
		"Rules":           r.Rules(func(string, []byte) error { return nil }),
		"PutSetting":      r.PutSetting("s", []byte(`{}`)),
		"Setting":         func() error { _, err := r.Setting("s"); return err }(),
		"Version":         func() error { _, err := r.Version(context.Background()); return err }(),
	} {
		if models.ErrorCode(err) != models.EUNAVAILABLE || !strings.Contains(models.ErrorMessage(err), "unreachable") {
			t.Errorf("%s with Redis down: %v, want code %s", what, err, models.EUNAVAILABLE)
		}
	}

	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.AppendProfile("p", 2, []byte(`{"v":2}`))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis is back but appending still fails: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling, with a deadline
	}
	var got []string
	r.ProfileVersions(func(name string, v int, data []byte) error {
		got = append(got, fmt.Sprintf("%s@%d=%s", name, v, data))
		return nil
	})
	if fmt.Sprint(got) != `[p@1={"v":1} p@2={"v":2}]` {
		t.Errorf("after the restart: %v", got)
	}
}

// TestNewRedisWhileDown: a store made while Redis is down (serve starting
// degraded) fails its Ping and its methods with code unavailable, and works
// once Redis is back, without being made again.
func TestNewRedisWhileDown(t *testing.T) {
	srv := redistest.StartServer(t)
	srv.Stop()
	r, err := NewRedis(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Ping(context.Background()); models.ErrorCode(err) != models.EUNAVAILABLE || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("Ping with Redis down: %v, want code %s", err, models.EUNAVAILABLE)
	}
	if err := r.PutRule("r", []byte(`{}`)); models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Errorf("PutRule with Redis down: %v, want code %s", err, models.EUNAVAILABLE)
	}
	srv.Restart()
	if err := r.Ping(context.Background()); err != nil {
		t.Fatalf("Ping with Redis back: %v", err)
	}
	if err := r.PutRule("r", []byte(`{}`)); err != nil {
		t.Errorf("PutRule with Redis back: %v", err)
	}
	if _, err := NewRedis("http://" + srv.Addr); err == nil || !strings.Contains(err.Error(), "redis URL") {
		t.Errorf("NewRedis of a malformed URL: %v", err)
	}
}

// TestOpenRedisRefused: a Redis that answers but refuses the client (a
// wrong password) fails the open, without the password in the error.
func TestOpenRedisRefused(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	if err := c.ConfigSet(context.Background(), "requirepass", "right").Err(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRedis(context.Background(), "redis://:s3cret@"+srv.Addr+"/0")
	if err == nil {
		r.Close()
		t.Fatal("opened with a wrong password")
	}
	if msg := err.Error(); !strings.Contains(msg, "refused the connection") || strings.Contains(msg, "s3cret") {
		t.Errorf("error %q", msg)
	}
}
