package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/server"
	"shopsearch/store"
	"shopsearch/store/events"
)

// benchRecommendRedis answers the recommendation slots of benchRecommend
// for 1,000 signed-in shoppers whose recent behaviour is in the Redis at
// cfg.Redis, read through events.Guard as serve does, while that Redis is
// reached normally, refused, and hung (through faultProxy, a TCP proxy in
// front of it that stops accepting, or stops answering), and once refused
// without the guard (the figures before it). Its keys have a prefix of
// their own, deleted at the end.
func benchRecommendRedis(ctx context.Context, cfg BenchConfig, e *query.Engine, live int) ([]benchRow, error) {
	target, err := url.Parse(cfg.Redis)
	if err != nil {
		return nil, fmt.Errorf("bench: --redis: %w", err)
	}
	proxy, err := newFaultProxy(target.Host)
	if err != nil {
		return nil, err
	}
	defer proxy.Close()
	prefix := fmt.Sprintf("shopsearch-bench-%d:", os.Getpid())
	via := *target
	via.Host = proxy.Addr()
	q := via.Query()
	q.Set("prefix", prefix)
	via.RawQuery = q.Encode()
	r, err := store.OpenRedis(ctx, via.String())
	if err != nil {
		return nil, fmt.Errorf("bench: --redis: %w", err)
	}
	defer r.Close()
	defer deletePrefix(cfg.Redis, prefix)

	guard := events.NewGuard(events.GuardConfig{Logf: func(f string, a ...any) { fmt.Fprintf(cfg.Stderr, "bench: "+f+"\n", a...) }}, r)
	in := events.New(events.Config{ClicksWithoutImpression: true, Observe: guard.Observe}, r)
	const shoppers = 1000
	var evs []models.Event
	for u := range shoppers {
		for k := range 10 {
			evs = append(evs, models.Event{Type: models.EventClick, UserID: fmt.Sprint("bench-u", u),
				ItemID: fmt.Sprintf("g%07d", (u*31+k*7919)%max(live, 1))})
		}
	}
	for i := 0; i < len(evs); i += 500 {
		if _, err := in.Ingest(ctx, evs[i:i+500], ""); err != nil {
			return nil, fmt.Errorf("bench: write the shoppers' behaviour: %w", err)
		}
	}
	handler := func(b server.RecBehavior) func(target string) (int, string) {
		h := server.New(server.Config{ErrorLog: io.Discard}, e).WithRecommend(server.RecommendDeps{Behavior: b}).Handler()
		return func(target string) (int, string) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
			return w.Code, w.Body.String()
		}
	}
	guarded, bare := handler(guard), handler(r)
	guarded("/api/recommend?scene=home") // builds the hot lists
	phase := func(name string, serve func(string) (int, string), maxOps int) benchRow {
		var lat latencies
		var byScene [3]latencies
		var errs opErrors
		start := time.Now()
		deadline := start.Add(cfg.Duration)
		for i := 0; i < maxOps && ctx.Err() == nil && time.Now().Before(deadline); i++ {
			t := "/api/recommend?n=10&user=bench-u" + fmt.Sprint(i%shoppers) + "&scene="
			switch i % 3 {
			case 0:
				t += "home"
			case 1:
				t += "detail&item=" + fmt.Sprintf("g%07d", (i*7919)%max(live, 1))
			default:
				t += "cart&cart=" + fmt.Sprintf("g%07d", (i*7919)%max(live, 1))
			}
			at := time.Now()
			if code, body := serve(t); code != 200 {
				errs.add(fmt.Errorf("%s: %d %s", t, code, body))
				continue
			}
			lat = append(lat, time.Since(at))
			byScene[i%3] = append(byScene[i%3], time.Since(at))
		}
		row := lat.row(name, "QPS", time.Since(start), errs)
		row.notes += "slots of 10 for 1,000 shoppers with 10 recent clicks each in Redis, through the handler; p50/p99 by scene:"
		for i, scene := range []string{"home", "detail", "cart"} {
			slices.Sort(byScene[i])
			row.notes += fmt.Sprintf(" %s %s/%s", scene, fmtMs(byScene[i].pct(0.5)), fmtMs(byScene[i].pct(0.99)))
		}
		return row
	}
	var rows []benchRow
	fmt.Fprintf(cfg.Stderr, "bench: recommend with Redis up\n")
	rows = append(rows, phase("recommend, Redis up (guard)", guarded, cfg.MaxOps))
	proxy.set(faultRefuse)
	fmt.Fprintf(cfg.Stderr, "bench: recommend with Redis refusing connections\n")
	rows = append(rows, phase("recommend, Redis refused (guard)", guarded, cfg.MaxOps))
	rows = append(rows, phase("recommend, Redis refused (no guard)", bare, 300))
	proxy.set(faultHang)
	fmt.Fprintf(cfg.Stderr, "bench: recommend with Redis hung\n")
	rows = append(rows, phase("recommend, Redis hung (guard)", guarded, cfg.MaxOps))
	proxy.set(faultNone)
	return rows, nil
}

// deletePrefix deletes the keys under prefix of the Redis at rawURL.
func deletePrefix(rawURL, prefix string) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for it.Next(ctx) {
		if keys = append(keys, it.Val()); len(keys) == 1000 {
			c.Unlink(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		c.Unlink(ctx, keys...)
	}
}

type faultMode int

const (
	faultNone   faultMode = iota // pass through
	faultRefuse                  // no listener: connections are refused, open ones reset
	faultHang                    // connections are accepted, and nothing is answered
)

// faultProxy is a TCP proxy to a Redis that can refuse or hang, as a
// stopped or a SIGSTOPped server does.
type faultProxy struct {
	target, addr string

	mu    sync.Mutex
	mode  faultMode
	ln    net.Listener
	conns map[net.Conn]bool
	wake  chan struct{} // closed when the mode changes
}

func newFaultProxy(target string) (*faultProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &faultProxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}, wake: make(chan struct{})}
	p.serve(ln)
	return p, nil
}

func (p *faultProxy) Addr() string { return p.addr }

func (p *faultProxy) serve(ln net.Listener) {
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

func (p *faultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == faultRefuse {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *faultProxy) handle(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.track(up)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if !p.waitAnswering() {
					break
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go pipe(up, c)
	pipe(c, up)
}

// waitAnswering blocks while the proxy hangs; false when it refuses.
func (p *faultProxy) waitAnswering() bool {
	for {
		p.mu.Lock()
		mode, wake := p.mode, p.wake
		p.mu.Unlock()
		switch mode {
		case faultNone:
			return true
		case faultRefuse:
			return false
		}
		<-wake
	}
}

func (p *faultProxy) set(m faultMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	close(p.wake)
	p.wake = make(chan struct{})
	switch m {
	case faultRefuse:
		p.ln.Close()
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	default:
		if ln, err := net.Listen("tcp", p.addr); err == nil { // (back on the same port; fails when already listening)
			p.serve(ln)
		}
	}
}

func (p *faultProxy) Close() error {
	p.set(faultRefuse)
	return nil
}
