package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's headless Chromium through chromedp
// against a real serve (the demo catalog in a temporary data directory).

// browserToken is the admin token of the server the browser tests start.
const browserToken = "browser-test-token"

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one scenario; every wait inside it is for a DOM
// condition, never a sleep.
const stepTimeout = 60 * time.Second

// browserEnv is a running server and browser shared by the scenarios.
type browserEnv struct {
	base      string          // http://127.0.0.1:port
	browser   context.Context // the chromedp browser context; tabs derive from it
	artifacts string          // where screenshots go
}

// newBrowserEnv starts serve and Chromium, or skips when Chromium is not
// installed.
func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			t.Skipf("browser tests need Chromium at %s (Debian: apt-get install chromium); not found", chromiumPath)
		}
		path = p
	}
	m := NewMain(ServeConfig{
		DataDir: t.TempDir(), Addr: "127.0.0.1:0", Seed: 42, AdminToken: browserToken,
		// No fixed clock: the pages stamp their events with the browser's
		// own (real) clock, and the server, sharing one clock with its
		// event intake, would refuse them as a year in the future.
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Run(ctx); err != nil {
		cancel()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-m.Done()
		if err := m.Close(); err != nil {
			t.Errorf("close serve: %v", err)
		}
	})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"), // the pages are Chinese; so are the date pickers then
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// Start the browser with no deadline (a deadline on the first run would
	// stop the whole browser when it passed), but give up if it does not
	// come up in time.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browser) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start chromium %s: %v", path, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("chromium %s did not start within 60s", path)
	}
	return &browserEnv{base: "http://" + m.Addr(), browser: browser, artifacts: artifactDir(t)}
}

// artifactDir is test-artifacts/ at the repository root when it can be
// written, else a temporary directory.
func artifactDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "test-artifacts"))
	if err == nil {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			var f *os.File
			if f, err = os.CreateTemp(dir, ".probe-*"); err == nil {
				f.Close()
				os.Remove(f.Name())
				return dir
			}
		}
	}
	t.Logf("screenshots go to a temporary directory: %v", err)
	return t.TempDir()
}

// page is one tab; every action on it must end by its deadline.
type page struct {
	ctx      context.Context // the tab's chromedp context, without a deadline
	deadline time.Time
}

// bounded derives the context of one action.
func (p *page) bounded() (context.Context, context.CancelFunc) {
	return context.WithDeadline(p.ctx, p.deadline)
}

// tab opens a new tab (its own sessionStorage; localStorage is shared by
// the browser) with a viewport; its actions are bounded by stepTimeout.
func (b *browserEnv) tab(t *testing.T, width, height int64, mobile bool) *page {
	t.Helper()
	tabCtx, cancelTab := chromedp.NewContext(b.browser)
	t.Cleanup(cancelTab)
	// The first run opens the tab and binds it to its context, which must
	// not have a deadline; wait for it here instead.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(tabCtx) }()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no new tab within 30s")
	}
	p := &page{ctx: tabCtx, deadline: time.Now().Add(stepTimeout)}
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	b.do(t, p, chromedp.EmulateViewport(width, height, opts...))
	return p
}

// do runs the steps, failing the test with a screenshot on error.
func (b *browserEnv) do(t *testing.T, p *page, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (scenario limit %s)", err, stepTimeout)
		}
		b.failShot(t, p)
		t.Fatal(err)
	}
}

// evalJS evaluates a JavaScript expression and decodes its value.
func evalJS[T any](t *testing.T, b *browserEnv, p *page, expr string) T {
	t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.failShot(t, p)
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the JavaScript expression is truthy.
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond))
}

// waitReady waits until the storefront has rendered the page of the
// current URL (shop.js sets #view's data-ready to the hash it rendered).
func waitReady() chromedp.Action[chromedp.Void] {
	return waitFor(`document.getElementById("view") && document.getElementById("view").dataset.ready === (location.hash || "#/")`)
}

// shot saves a screenshot of the viewport as NAME.png in the artifacts
// directory.
func (b *browserEnv) shot(t *testing.T, p *page, name string) {
	t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("save screenshot: %v", err)
		return
	}
	t.Logf("screenshot %s", path)
}

// failShot saves a screenshot of a failing scenario, if the tab still
// answers.
func (b *browserEnv) failShot(t *testing.T, p *page) {
	sctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	state, err := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href,
		active: document.activeElement && (document.activeElement.id || document.activeElement.tagName),
		ready: document.getElementById("view") && document.getElementById("view").dataset.ready,
		sug: document.getElementById("sug") && [document.getElementById("sug").dataset.q,
			document.getElementById("sug").hidden, document.getElementById("sug").children.length]})`))
	if err == nil {
		t.Logf("page state at failure: %s", state)
	}
	buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	name := "FAIL-" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".png"
	if os.WriteFile(filepath.Join(b.artifacts, name), buf, 0o644) == nil {
		t.Logf("failure screenshot %s", filepath.Join(b.artifacts, name))
	}
}
