//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pageState is a JavaScript expression summarising what the page shows, for failure messages.
const pageState = `JSON.stringify({
	status: (document.querySelector("#status") || {}).textContent,
	error: (document.querySelector("#error") || {}).textContent,
	source: (document.querySelector("#model-source") || {}).textContent,
	tokens: document.querySelectorAll("#tokens .token").length,
	headLines: document.querySelectorAll("figure[data-chart=head-view] svg line").length,
	thumbs: document.querySelectorAll("svg.model-view g.thumb").length,
	body: document.body.innerText.slice(0, 400),
})`

// The default model (testdata/golden/bert/model): 3 layers of 4 heads, 2 labels.
const (
	defaultLayers = 3
	defaultHeads  = 4
)

// idle is true when the lab is not working and no error is shown.
const idle = `!document.querySelector("#status")`

func TestPage(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)

	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads and the head view is drawn",
		`document.querySelector("#model-source") && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle,
		pageState, 60*time.Second)
	if got := b.text(t, "#model-source"); got != "default model" {
		t.Errorf("model source %q, want %q", got, "default model")
	}
	if got := b.text(t, "#model-shape"); got != fmt.Sprintf("%d × %d", defaultLayers, defaultHeads) {
		t.Errorf("model shape %q", got)
	}

	t.Run("run a sentence", func(t *testing.T) {
		b.run(t, "typing a sentence",
			chromedp.Evaluate(`(() => { const el = document.querySelector("#text"); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, nil),
			chromedp.SendKeys("#text", "hello world, this movie is great!"),
			chromedp.Click("#run"),
		)
		want := []string{"[CLS]", "hello", "world", ",", "this", "movie", "is", "great", "!", "[SEP]"}
		b.waitFor(t, "the new tokens show", fmt.Sprintf(`document.querySelectorAll("#tokens .token").length == %d && %s`, len(want), idle), pageState, 30*time.Second)
		var tokens []string
		b.eval(t, `[...document.querySelectorAll("#tokens .token")].map(e => e.textContent)`, &tokens)
		if strings.Join(tokens, " ") != strings.Join(want, " ") {
			t.Fatalf("tokens %q, want %q", tokens, want)
		}
		assertHeadView(t, b, 0, defaultHeads, len(want))
		if n := b.count(t, "figure[data-chart=prediction] svg g.bars rect"); n != 2 {
			t.Errorf("%d prediction bars, want 2 (the model's labels)", n)
		}
		b.screenshot(t, "head-view")
	})

	t.Run("head view controls", func(t *testing.T) {
		tokens := b.count(t, "#tokens .token")
		b.run(t, "unticking head 1", chromedp.Click(`input[type=checkbox][data-head="1"]`))
		b.waitFor(t, "head 1 disappears", `!document.querySelector("figure[data-chart=head-view] svg g.head[data-head='1']")`, pageState, 10*time.Second)
		assertHeadView(t, b, 0, defaultHeads-1, tokens)
		b.run(t, "choosing layer 2", chromedp.SetValue("#layer", "2"), chromedp.Evaluate(`document.querySelector("#layer").dispatchEvent(new Event("change", {bubbles: true}))`, nil))
		b.waitFor(t, "layer 2 shows", `[...document.querySelectorAll("figure[data-chart=head-view] svg text")].some(e => e.textContent == "Layer 2")`, pageState, 10*time.Second)
		assertHeadView(t, b, 2, defaultHeads-1, tokens)
		b.run(t, "focusing token 1", chromedp.Click(`figure[data-chart=head-view] svg text[data-side=left][data-index="1"]`))
		b.waitFor(t, "only token 1's lines show", fmt.Sprintf(`document.querySelectorAll("figure[data-chart=head-view] svg line").length == %d`, (defaultHeads-1)*tokens), pageState, 10*time.Second)
		b.run(t, "ticking all heads", chromedp.Click(`//button[text()="All"]`))
		b.waitFor(t, "all heads show", `document.querySelectorAll("figure[data-chart=head-view] svg g.head").length == 4`, pageState, 10*time.Second)
	})

	t.Run("model view", func(t *testing.T) {
		tokens := b.count(t, "#tokens .token")
		b.run(t, "opening the model view", chromedp.Click("#tab-model"))
		b.waitFor(t, "the model view is drawn", `document.querySelectorAll("svg.model-view g.thumb").length > 0`, pageState, 10*time.Second)
		if n := b.count(t, "svg.model-view g.thumb"); n != defaultLayers*defaultHeads {
			t.Fatalf("%d attention maps, want layers × heads = %d", n, defaultLayers*defaultHeads)
		}
		if n := b.count(t, "svg.model-view g.thumb g.cells rect"); n != defaultLayers*defaultHeads*tokens*tokens {
			t.Errorf("%d cells, want layers × heads × tokens² = %d", n, defaultLayers*defaultHeads*tokens*tokens)
		}
		b.screenshot(t, "model-view")
		b.run(t, "enlarging layer 1 head 2", chromedp.Click(`svg.model-view g.thumb[data-layer="1"][data-head="2"] rect.frame`))
		b.waitFor(t, "the enlarged map shows", `document.querySelector("#enlarged svg.attn-map")`, pageState, 10*time.Second)
		if n := b.count(t, "#enlarged svg.attn-map g.cells rect"); n != tokens*tokens {
			t.Errorf("enlarged map has %d cells, want %d", n, tokens*tokens)
		}
		if got := b.text(t, "#enlarged svg.attn-map text"); got != "Layer 1, head 2" {
			t.Errorf("enlarged map's title %q", got)
		}
		b.screenshot(t, "model-view-enlarged")
		b.run(t, "back to the head view", chromedp.Click("#tab-head"))
	})

	t.Run("corrupted model, then a good one", func(t *testing.T) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "bad")
		copyModel(t, filepath.Join(goldenDir, "bert", "model"), bad, "config.json", "model.safetensors", "vocab.txt")
		weights := filepath.Join(bad, "model.safetensors")
		data, err := os.ReadFile(weights)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(weights, data[:len(data)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(t, "picking the corrupted files", chromedp.SetUploadFiles("#files", modelPaths(bad, "config.json", "model.safetensors", "vocab.txt")))
		b.waitFor(t, "an error shows", `document.querySelector("#error") && `+idle, pageState, 30*time.Second)
		msg := b.text(t, "#error")
		if !strings.HasPrefix(msg, "loadModel: model.safetensors: ") {
			t.Errorf("error %q, want one that names model.safetensors", msg)
		}
		if got := b.text(t, "#model-source"); got != "default model" {
			t.Errorf("after the failure the model is %q, want the default model still", got)
		}
		b.screenshot(t, "error")

		good := filepath.Join(dir, "gpt2")
		names := []string{"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}
		copyModel(t, filepath.Join(goldenDir, "gpt2", "model"), good, names...)
		b.run(t, "picking a good model", chromedp.SetUploadFiles("#files", modelPaths(good, names...)))
		b.waitFor(t, "the good model loads", `(document.querySelector("#model-source") || {}).textContent.includes("merges.txt") && `+idle, pageState, 30*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("the error still shows: %q", b.text(t, "#error"))
		}
		tokens := b.count(t, "#tokens .token")
		assertHeadView(t, b, 0, defaultHeads, tokens)
		if n := b.count(t, "#top-tokens tr"); n != tokens+1 {
			t.Errorf("language model: %d rows of top tokens, want a header and one per token (%d)", n, tokens)
		}
		b.screenshot(t, "gpt2")
	})

	t.Run("load from a URL", func(t *testing.T) {
		setURL := func(u string) chromedp.Action {
			return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector("#url"); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, u), nil)
		}
		missing := s.URL + "/no-model-here/"
		b.run(t, "asking for a URL without a model", setURL(missing), chromedp.Click("#load-url"))
		b.waitFor(t, "an error shows", `document.querySelector("#error") && `+idle, pageState, 30*time.Second)
		if got, want := b.text(t, "#error"), "loadModelURL: "+missing+"config.json could not be fetched"; got != want {
			t.Errorf("error %q, want %q", got, want)
		}
		u := s.URL + "/models/default/"
		b.run(t, "loading the default model by its URL", setURL(u), chromedp.Click("#load-url"))
		b.waitFor(t, "the model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, u), pageState, 30*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("the error still shows: %q", b.text(t, "#error"))
		}
		assertHeadView(t, b, 0, defaultHeads, b.count(t, "#tokens .token"))
	})

	t.Run("save charts", func(t *testing.T) {
		saveCharts(t, b)
	})

	t.Run("everything stays on the origin", func(t *testing.T) {
		// The proxy saw every request of the page, its worker and its service worker.
		foreign, browser := s.foreignRequests()
		if len(foreign) > 0 {
			t.Errorf("the browser requested outside %s:\n%s", s.URL, strings.Join(foreign, "\n"))
		}
		if len(browser) > 0 {
			t.Logf("Chromium's own service requests (refused, not the page's): %d", len(browser))
		}
		for _, p := range []string{"/", "/ui.wasm", "/worker.js", "/bertology.wasm", "/sw.js", "/models/default/model.safetensors"} {
			if !s.served(p) {
				t.Errorf("the proxy never saw a request for %s: it does not see everything", p)
			}
		}
		// The page's own requests, as DevTools reports them, agree.
		page := b.pageRequests()
		if len(page) == 0 {
			t.Error("DevTools reported no requests of the page")
		}
		for _, u := range page {
			if !strings.HasPrefix(u, s.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:"+s.URL+"/") {
				t.Errorf("DevTools saw the page request %s, outside %s", u, s.URL)
			}
		}
	})

	t.Run("offline after one visit", func(t *testing.T) {
		b.waitFor(t, "the service worker controls the page and has cached the site",
			`navigator.serviceWorker.controller && caches.open("bertology").then(c => c.keys()).then(k => k.length >= 12)`,
			`caches.open("bertology").then(c => c.keys()).then(k => k.map(r => r.url))`, 30*time.Second)
		b.run(t, "cutting the network", network.EmulateNetworkConditions(true, 0, -1, -1))
		s.cut()
		b.run(t, "reloading offline", chromedp.Navigate(s.URL+"/"))
		b.waitFor(t, "the default model loads and the head view is drawn offline",
			`(document.querySelector("#model-source") || {}).textContent == "default model" && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle,
			pageState, 60*time.Second)
		assertHeadView(t, b, 0, defaultHeads, b.count(t, "#tokens .token"))
		b.screenshot(t, "offline")
	})
}

// assertHeadView checks that the head view shows layer with heads heads, each with a line from every
// token to every token.
func assertHeadView(t *testing.T, b *browser, layer, heads, tokens int) {
	t.Helper()
	if tokens == 0 {
		t.Fatal("no tokens shown")
	}
	if n := b.count(t, "figure[data-chart=head-view] svg g.head"); n != heads {
		t.Errorf("head view of layer %d: %d heads drawn, want %d", layer, n, heads)
	}
	if n := b.count(t, "figure[data-chart=head-view] svg line"); n != heads*tokens*tokens {
		t.Errorf("head view of layer %d: %d lines, want heads × tokens × tokens = %d × %d × %d", layer, n, heads, tokens, tokens)
	}
	if n := b.count(t, "figure[data-chart=head-view] svg text.token"); n != 2*tokens {
		t.Errorf("head view: %d token labels, want two columns of %d", n, tokens)
	}
}

func copyModel(t *testing.T, from, to string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func modelPaths(dir string, names ...string) []string {
	paths := make([]string, len(names))
	for i, n := range names {
		abs, _ := filepath.Abs(filepath.Join(dir, n))
		paths[i] = abs
	}
	return paths
}
