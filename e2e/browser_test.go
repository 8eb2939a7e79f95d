//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Paths relative to this package's directory, where go test runs.
const (
	siteDir       = "../public"
	screenshotDir = "../out/screenshots"
	goldenDir     = "../testdata/golden"
)

// site serves public/ as ./build.sh serve does. The browser reaches it only through the site's proxy,
// which records every request of every part of the browser (page, worker, service worker) and refuses
// those that leave the site's origin.
type site struct {
	URL   string // the page's origin
	proxy *httptest.Server

	mu       sync.Mutex
	requests []string // what the browser asked the proxy for: URLs, or CONNECT host:port
	closed   bool
	mounts   map[string]http.Handler // path prefix → the files served there besides public/ (see serve)
	hubs     map[string]http.Handler // host → a mock Hub on an origin of its own (see startHub)
}

// serve makes the site serve dir's files under prefix ("/bench/"), as a model directory on the same
// origin.
func (s *site) serve(prefix, dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounts[prefix] = http.StripPrefix(prefix, http.FileServer(http.Dir(dir)))
}

func startSite(t testing.TB) *site {
	t.Helper()
	if _, err := os.Stat(filepath.Join(siteDir, "ui.wasm")); err != nil {
		t.Fatalf("the site is not built (%v): run ./build.sh build first", err)
	}
	files := http.FileServer(http.Dir(siteDir))
	s := &site{mounts: map[string]http.Handler{}, hubs: map[string]http.Handler{}}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		s.mu.Lock()
		h := files
		for prefix, m := range s.mounts {
			if strings.HasPrefix(r.URL.Path, prefix) {
				h = m
			}
		}
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(origin.Close)
	s.URL = origin.URL
	host := strings.TrimPrefix(origin.URL, "http://")
	s.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := r.URL.String()
		if r.Method == http.MethodConnect {
			u = "CONNECT " + r.Host
		}
		s.mu.Lock()
		s.requests = append(s.requests, u)
		hub := s.hubs[r.URL.Host]
		s.mu.Unlock()
		if hub != nil && r.Method != http.MethodConnect {
			hub.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodConnect || r.URL.Host != host {
			http.Error(w, "bertology e2e: this request leaves the page's origin", http.StatusForbidden)
			return
		}
		origin.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(s.cut)
	return s
}

// cut takes the site off the network: every later request fails as if offline.
func (s *site) cut() {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if !closed {
		s.proxy.Close()
	}
}

// served reports whether the browser asked for path on the site.
func (s *site) served(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.requests {
		if u == s.URL+path {
			return true
		}
	}
	return false
}

// browserServices are the hosts Chromium itself calls whatever page it shows: the sign-in service's
// ListAccounts, which no switch turns off (chromiumembedded/cef#4276), the component updater, its push
// messaging (android.clients.google.com, seen once in a test that runs a service worker), and
// (Debian's Chromium 148) three connections to www.google.com that it opens on about:blank alone, with
// these switches, behind a proxy that records them. The proxy refuses them like any other host; the
// test only does not blame the page for them.
var browserServices = map[string]bool{
	"accounts.google.com":        true,
	"android.clients.google.com": true,
	"update.googleapis.com":      true,
	"redirector.gvt1.com":        true,
	"www.google.com":             true,
}

// foreignRequests lists the requests that left the page's origin (for a Hub the test started, those
// that went elsewhere), and apart from them those that went to Chromium's own services.
func (s *site) foreignRequests() (foreign, browser []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.requests {
		if strings.HasPrefix(u, s.URL+"/") {
			continue
		}
		host := strings.TrimPrefix(u, "CONNECT ")
		if parsed, err := url.Parse(u); err == nil && parsed.Host != "" {
			host = parsed.Host
		}
		if s.hubs[host] != nil && !strings.HasPrefix(u, "CONNECT ") {
			continue
		}
		if browserServices[strings.TrimSuffix(host, ":443")] {
			browser = append(browser, u)
		} else {
			foreign = append(foreign, u)
		}
	}
	return foreign, browser
}

// browser is a headless Chromium with one tab, which records every request the page makes and every
// message it logs.
type browser struct {
	ctx   context.Context
	close func() // ends the browser; the test's cleanup calls it too

	mu       sync.Mutex
	requests []string // URLs
	console  []string
}

// startBrowser starts Chromium with s's proxy as its only way out.
func startBrowser(t testing.TB, s *site) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "bertology-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// Chromium's own services (time, autofill, sign-in, optimisation hints, updates) would also go
		// through the proxy; they are the browser's, not the page's, so keep them quiet.
		chromedp.Flag("disable-features", "site-per-process,Translate,BlinkGenPropertyTrees,OptimizationHints,OptimizationGuideModelDownloading,OptimizationHintsFetching,AutofillServerCommunication,NetworkTimeServiceQuerying,MediaRouter,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("no-service-autorun", true),
		chromedp.ProxyServer(s.proxy.URL),
		// Chromium sends requests to localhost past any proxy unless told not to.
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, b.record)
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	var once sync.Once
	b.close = func() {
		once.Do(func() {
			cancelCtx()
			cancelAlloc()
			// Chromium's helpers may still write into the profile for a moment (see wasm-stack.md).
			os.RemoveAll(profile)
		})
	}
	t.Cleanup(b.close)
	return b
}

func chromiumPath(t testing.TB) string {
	// Debian's /usr/bin/chromium is a script that adds Google API keys and extensions; the binary
	// behind it runs without them, so the browser calls fewer Google services by itself.
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no chromium found: ./build.sh test installs Debian's chromium (apt-get install -y chromium)")
	return ""
}

func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		b.console = append(b.console, fmt.Sprintf("%s: %s", ev.Type, strings.Join(parts, " ")))
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, "exception: "+ev.ExceptionDetails.Error())
	}
}

// pageRequests returns the URLs the page (not its workers) requested, as the DevTools protocol saw them.
func (b *browser) pageRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

func (b *browser) consoleLog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.console, "\n")
}

// run runs actions with a deadline, failing the test with the page's console when they fail.
func (b *browser) run(t testing.TB, what string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage console:\n%s", what, err, b.consoleLog())
	}
}

// eval evaluates a JavaScript expression and decodes its value into res.
func (b *browser) eval(t testing.TB, expr string, res any) {
	t.Helper()
	b.run(t, "evaluating "+expr, chromedp.Evaluate(expr, res, awaitPromise))
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// waitFor polls a JavaScript expression until it is true, failing after the timeout with the value of
// describe (an expression that says what the page shows) and the page's console.
func (b *browser) waitFor(t testing.TB, what, cond, describe string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		b.eval(t, "Boolean("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var state json.RawMessage
			b.eval(t, describe, &state)
			t.Fatalf("%s: not after %v (%s)\npage: %s\nconsole:\n%s", what, timeout, cond, state, b.consoleLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// count returns the number of elements matching a CSS selector.
func (b *browser) count(t testing.TB, selector string) int {
	t.Helper()
	var n int
	b.eval(t, fmt.Sprintf("document.querySelectorAll(%q).length", selector), &n)
	return n
}

func (b *browser) text(t testing.TB, selector string) string {
	t.Helper()
	var s string
	b.eval(t, fmt.Sprintf("(document.querySelector(%q) || {}).textContent || ''", selector), &s)
	return s
}

// errorShown is the whole error the page shows (ui's ErrorBox keeps it in data-detail, behind its
// "details" toggle), or "".
func (b *browser) errorShown(t testing.TB) string {
	t.Helper()
	var s string
	b.eval(t, `(document.querySelector("#error") || {dataset: {}}).dataset.detail || ''`, &s)
	return s
}

// screenshot saves the whole page as out/screenshots/name.png.
func (b *browser) screenshot(t testing.TB, name string) {
	t.Helper()
	var png []byte
	b.run(t, "screenshot "+name, chromedp.FullScreenshot(&png, 100)) // quality 100 means PNG
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
