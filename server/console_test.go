package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestWebPages(t *testing.T) {
	s := newServer(t, Config{})
	for _, tc := range []struct {
		path, ctype string
		csp         bool
	}{
		{"/", "text/html; charset=utf-8", true},
		{"/admin", "text/html; charset=utf-8", true},
		{"/static/shop/main.js", "text/javascript; charset=utf-8", false},
		{"/static/admin/main.js", "text/javascript; charset=utf-8", false},
		{"/static/shop.css", "text/css; charset=utf-8", false},
		{"/static/admin.css", "text/css; charset=utf-8", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := do(t, s, "GET", tc.path, "")
			if r.status != http.StatusOK || r.header.Get("Content-Type") != tc.ctype {
				t.Fatalf("status %d, type %q; want 200 %q", r.status, r.header.Get("Content-Type"), tc.ctype)
			}
			h := r.header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-cache" || h.Get("ETag") == "" {
				t.Errorf("headers: %v", h)
			}
			csp := h.Get("Content-Security-Policy")
			if tc.csp && (!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
				!strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'")) {
				t.Errorf("CSP %q", csp)
			}
			if again := do(t, s, "GET", tc.path, "", "If-None-Match", h.Get("ETag")); again.status != http.StatusNotModified || again.body != "" {
				t.Errorf("revalidation with the ETag: %d %q", again.status, again.body)
			}
		})
	}
}

// TestWebAssetsReferenced checks that every script and stylesheet a page
// links is served, that the pages have no inline script (the CSP forbids
// it), and that the scripts insert HTML only through the one place that
// takes the server's highlight.
func TestWebAssetsReferenced(t *testing.T) {
	s := newServer(t, Config{})
	ref := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	for _, page := range []string{"/", "/admin"} {
		body := do(t, s, "GET", page, "").body
		refs := ref.FindAllStringSubmatch(body, -1)
		if len(refs) < 2 {
			t.Errorf("%s links %d static files", page, len(refs))
		}
		for _, m := range refs {
			if r := do(t, s, "GET", m[1], ""); r.status != http.StatusOK {
				t.Errorf("%s links %s: %d", page, m[1], r.status)
			}
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+="|style="`).MatchString(body) {
			t.Errorf("%s has inline script or style, which its CSP blocks", page)
		}
	}
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	imp := regexp.MustCompile(`(?m)^import (?:[^"\n]* from )?"\./([a-z]+\.js)";`)
	sets := map[string]int{}
	imports := map[string][]string{} // module → the modules it imports
	for name, a := range assets {
		dir, _, ok := strings.Cut(strings.TrimPrefix(name, "static/"), "/")
		if !ok || !strings.HasSuffix(name, ".js") {
			continue
		}
		body := string(a.body)
		sets[dir] += strings.Count(body, "innerHTML") + strings.Count(body, "insertAdjacentHTML") +
			strings.Count(body, "outerHTML") + strings.Count(body, "document.write")
		for _, m := range imp.FindAllStringSubmatch(body, -1) { // every module imported is embedded
			if assets["static/"+dir+"/"+m[1]] == nil {
				t.Errorf("%s imports %s, which is not embedded", name, m[1])
			}
			imports[name] = append(imports[name], "static/"+dir+"/"+m[1])
		}
	}
	// Every module is loaded: main.js of its directory imports it, or a
	// module that main.js imports does.
	reached := map[string]bool{}
	var walk func(string)
	walk = func(m string) {
		if !reached[m] {
			reached[m] = true
			for _, d := range imports[m] {
				walk(d)
			}
		}
	}
	walk("static/shop/main.js")
	walk("static/admin/main.js")
	for name := range assets {
		if strings.HasSuffix(name, ".js") && !reached[name] {
			t.Errorf("%s is embedded but no page loads it", name)
		}
	}
	// The storefront's one is the server's highlight (setHighlight).
	for dir, want := range map[string]int{"shop": 1, "admin": 0} {
		if sets[dir] != want {
			t.Errorf("static/%s sets HTML %d times; want %d (everything from the API goes in as text)", dir, sets[dir], want)
		}
	}
}

func TestStaticNotFound(t *testing.T) {
	s := newServer(t, Config{})
	for _, p := range []string{"/static/nope.js", "/static/../server.go", "/static/%2e%2e/web.go", "/static/", "/admin/x"} {
		r := do(t, s, "GET", p, "")
		if r.status != http.StatusNotFound || !strings.Contains(r.body, `"code":"not_found"`) {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
}

func TestQueryStats(t *testing.T) {
	s := newServer(t, Config{AdminToken: "tok"})
	auth := []string{"Authorization", "Bearer tok"}
	if r := do(t, s, "GET", "/api/admin/stats/queries", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", r.status)
	}
	for _, q := range []string{"手机", "手机", "zzqqxx不存在", "zzqqxx不存在", "zzqqxx不存在", "ｚｚｑｑｘｘ不存在"} {
		search(t, s, url.Values{"q": {q}}.Encode())
	}
	// Not counted: a later page, an admin's explain, an empty query.
	search(t, s, url.Values{"q": {"qqqq没有"}, "page": {"2"}}.Encode())
	if r := do(t, s, "GET", "/api/search?"+url.Values{"q": {"qqqq没有"}, "explain": {"true"}}.Encode(), "", auth...); r.status != 200 {
		t.Fatalf("explain: %d %s", r.status, r.body)
	}
	search(t, s, "")

	r := do(t, s, "GET", "/api/admin/stats/queries?n=5", "", auth...)
	if r.status != http.StatusOK {
		t.Fatalf("stats: %d %s", r.status, r.body)
	}
	var got struct {
		Top, Zero []struct {
			Query string `json:"query"`
			Count int64  `json:"count"`
		}
		Searches map[string]int64
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	// The outcomes are the registry's: every search answered 200, the
	// later page, the explain and the empty query too.
	if s := got.Searches; s["zero"] != 7 || s["results"]+s["relaxed"] != 2 || s["corrected"] != 0 {
		t.Errorf("searches by outcome %v", s)
	}
	if len(got.Zero) != 1 || got.Zero[0].Query != "zzqqxx不存在" || got.Zero[0].Count != 4 {
		t.Errorf("zero-result queries: %+v (want zzqqxx不存在 ×4, normalised; the rest not counted)", got.Zero)
	}
	if len(got.Top) != 1 || got.Top[0].Query != "手机" || got.Top[0].Count != 2 {
		t.Errorf("top queries: %+v (want 手机 ×2: only searches that found items)", got.Top)
	}
	for _, bad := range []string{"n=0", "n=1001", "n=x", "n=1&n=2"} {
		if r := do(t, s, "GET", "/api/admin/stats/queries?"+bad, "", auth...); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
}
