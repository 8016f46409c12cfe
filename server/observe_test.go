package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
)

// logBuffer collects JSON log lines safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines decodes every JSON line written so far.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLoggedServer(t *testing.T) (*Server, *logBuffer) {
	t.Helper()
	lb := &logBuffer{}
	s := newServer(t, Config{AdminToken: testToken, AccessLog: true, Logger: slog.New(slog.NewJSONHandler(lb, nil))})
	return s, lb
}

func TestAccessLogLine(t *testing.T) {
	s, lb := newLoggedServer(t)
	r := do(t, s, "GET", "/api/items/p1?user=alice", "")
	id := r.header.Get("X-Request-Id")
	if !requestIDOK(id) || len(id) != 16 {
		t.Fatalf("generated request id %q", id)
	}
	lines := lb.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), lb)
	}
	l := lines[0]
	want := map[string]any{"msg": "request", "level": "INFO", "request_id": id, "method": "GET",
		"route": "/api/items/:id", "path": "/api/items/p1", "status": float64(r.status)}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if _, ok := l["latency_ms"].(float64); !ok {
		t.Errorf("no latency_ms in %v", l)
	}
	if strings.Contains(lb.String(), "alice") {
		t.Errorf("the user parameter is logged: %s", lb)
	}
}

func TestRequestIDHonouredOrReplaced(t *testing.T) {
	s, lb := newLoggedServer(t)
	r := do(t, s, "GET", "/healthz", "", "X-Request-Id", "trace-1234:abc")
	if got := r.header.Get("X-Request-Id"); got != "trace-1234:abc" {
		t.Fatalf("echoed %q, want the client's id", got)
	}
	for _, bad := range []string{"a b", "x\"y", strings.Repeat("a", 129), "é"} {
		r := do(t, s, "GET", "/healthz", "", "X-Request-Id", bad)
		if got := r.header.Get("X-Request-Id"); got == bad || !requestIDOK(got) {
			t.Errorf("id %q: echoed %q, want a new one", bad, got)
		}
	}
	if l := lb.lines(t)[0]; l["request_id"] != "trace-1234:abc" {
		t.Errorf("logged id %v", l["request_id"])
	}
}

func TestAccessLogKeepsSecretsOut(t *testing.T) {
	s, lb := newLoggedServer(t)
	do(t, s, "GET", "/api/admin/events/queries?days=7&secret=abc", "", "Authorization", "Bearer "+testToken)
	do(t, s, "GET", "/api/admin/profiles?x=hidden", "", "Authorization", "Bearer wrong-token")
	do(t, s, "GET", "/api/search?q=手机&user=u42&size=5", "")
	do(t, s, "GET", "/no/such/route?q=1", "")
	do(t, s, "GET", "/api/recommend?scene=home&session=s9", "") // no recommendations here: 404
	out := lb.String()
	for _, leak := range []string{testToken, "wrong-token", "secret", "hidden", "u42", "s9", "Bearer"} {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q:\n%s", leak, out)
		}
	}
	lines := lb.lines(t)
	if q := lines[2]["query"]; q != "q=%E6%89%8B%E6%9C%BA&size=5" {
		t.Errorf("search line's query = %v, want q and size only", q)
	}
	if r := lines[3]["route"]; r != unmatchedRoute {
		t.Errorf("unmatched route logged as %v", r)
	}
}

func TestPanicLoggedWithRequestID(t *testing.T) {
	s, lb := newLoggedServer(t)
	s.router.GET("/panic", func(*gin.Context) { panic("boom") })
	r := do(t, s, "GET", "/panic", "", "X-Request-Id", "req-7")
	r.errorOf(t, 500, "internal")
	var found bool
	for _, l := range lb.lines(t) {
		if l["level"] == "ERROR" && l["msg"] == "panic" && l["request_id"] == "req-7" && l["route"] == "/panic" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no ERROR line for the panic with its request id:\n%s", lb)
	}
}

func TestPprofNeedsTheAdminToken(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		do(t, s, "GET", path, "").errorOf(t, 401, "unauthorized")
		if r := do(t, s, "GET", path, "", "Authorization", "Bearer "+testToken); r.status != 200 {
			t.Errorf("%s with the token: %d %s", path, r.status, r.body)
		}
	}
}
