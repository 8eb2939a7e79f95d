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

	"bertology/core/checkpoint"
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

// idle is true when the lab is not working and no error is shown.
const idle = `!document.querySelector("#status.busy")`

func TestPage(t *testing.T) {
	def := loadModel(t, defaultModelDir)
	layers, heads := def.Config.NumLayers, def.Config.NumHeads
	s := startSite(t)
	b := startBrowser(t, s)

	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads and the head view is drawn",
		`document.querySelector("#model-source") && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle,
		pageState, 60*time.Second)
	if got := b.text(t, "#model-source"); got != "default model" {
		t.Errorf("model source %q, want %q", got, "default model")
	}
	if got := b.text(t, "#model-shape"); got != fmt.Sprintf("%d × %d", layers, heads) {
		t.Errorf("model shape %q", got)
	}

	t.Run("run a sentence", func(t *testing.T) {
		const sentence = "hello world, this movie is great!"
		b.run(t, "typing a sentence",
			chromedp.Evaluate(`(() => { const el = document.querySelector("#text"); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, nil),
			chromedp.SendKeys("#text", sentence),
			chromedp.Click("#run"),
		)
		want := tokenize(t, def, sentence)
		if want[0] != "[CLS]" || want[len(want)-1] != "[SEP]" {
			t.Fatalf("the default model tokenizes %q as %q: not a BERT", sentence, want)
		}
		b.waitFor(t, "the new tokens show", fmt.Sprintf(`document.querySelectorAll("#tokens .token").length == %d && %s`, len(want), idle), pageState, 30*time.Second)
		if shown := shownTokens(t, b); strings.Join(shown, " ") != strings.Join(want, " ") {
			t.Fatalf("tokens %q, want %q", shown, want)
		}
		assertHeadView(t, b, 0, heads, len(want))
		if n := b.count(t, "figure[data-chart=prediction] svg g.bars rect"); n != def.Config.NumLabels {
			t.Errorf("%d prediction bars, want %d (the model's labels)", n, def.Config.NumLabels)
		}
		b.screenshot(t, "head-view")
	})

	t.Run("head view controls", func(t *testing.T) {
		if heads < 2 || layers < 2 {
			t.Fatalf("the default model has %d × %d heads: these controls need two layers of two heads", layers, heads)
		}
		tokens := b.count(t, "#tokens .token")
		b.run(t, "unticking head 1", chromedp.Click(`input[type=checkbox][data-head="1"]`))
		b.waitFor(t, "head 1 disappears", `!document.querySelector("figure[data-chart=head-view] svg g.head[data-head='1']")`, pageState, 10*time.Second)
		assertHeadView(t, b, 0, heads-1, tokens)
		last := layers - 1
		b.run(t, fmt.Sprintf("choosing layer %d", last), chromedp.SetValue("#layer", fmt.Sprint(last)), chromedp.Evaluate(`document.querySelector("#layer").dispatchEvent(new Event("change", {bubbles: true}))`, nil))
		b.waitFor(t, fmt.Sprintf("layer %d shows", last), fmt.Sprintf(`[...document.querySelectorAll("figure[data-chart=head-view] svg text")].some(e => e.textContent == "Layer %d")`, last), pageState, 10*time.Second)
		assertHeadView(t, b, last, heads-1, tokens)
		b.run(t, "focusing token 1", chromedp.Click(`figure[data-chart=head-view] svg text[data-side=left][data-index="1"]`))
		b.waitFor(t, "only token 1's lines show", fmt.Sprintf(`document.querySelectorAll("figure[data-chart=head-view] svg line").length == %d`, (heads-1)*tokens), pageState, 10*time.Second)
		b.run(t, "ticking all heads", chromedp.Click(`//button[text()="All"]`))
		b.waitFor(t, "all heads show", fmt.Sprintf(`document.querySelectorAll("figure[data-chart=head-view] svg g.head").length == %d`, heads), pageState, 10*time.Second)
	})

	t.Run("model view", func(t *testing.T) {
		tokens := b.count(t, "#tokens .token")
		b.run(t, "opening the model view", chromedp.Click("#tab-model"))
		b.waitFor(t, "the model view is drawn", `document.querySelectorAll("svg.model-view g.thumb").length > 0`, pageState, 10*time.Second)
		if n := b.count(t, "svg.model-view g.thumb"); n != layers*heads {
			t.Fatalf("%d attention maps, want layers × heads = %d", n, layers*heads)
		}
		// It opens on the mini head views, as bertviz's does; the heatmaps are the other choice.
		if n := b.count(t, "svg.model-view g.thumb g.lines"); n != layers*heads || b.count(t, "svg.model-view g.cells") != 0 {
			t.Errorf("the model view opens with %d maps of lines and %d heatmaps, want %d and none", n, b.count(t, "svg.model-view g.cells"), layers*heads)
		}
		click(t, b, "#model-heatmap")
		b.waitFor(t, "the model view draws heatmaps", `document.querySelectorAll("svg.model-view g.thumb g.cells").length > 0`, pageState, 10*time.Second)
		if n := b.count(t, "svg.model-view g.thumb g.cells rect"); n != layers*heads*tokens*tokens {
			t.Errorf("%d cells, want layers × heads × tokens² = %d", n, layers*heads*tokens*tokens)
		}
		b.screenshot(t, "model-view")
		// The last head of the last layer: the far corner of the grid.
		l, h := layers-1, heads-1
		b.run(t, fmt.Sprintf("enlarging layer %d head %d", l, h), chromedp.Click(fmt.Sprintf(`svg.model-view g.thumb[data-layer="%d"][data-head="%d"] rect.frame`, l, h)))
		b.waitFor(t, "the enlarged map shows", `document.querySelector("#enlarged svg.attn-map")`, pageState, 10*time.Second)
		if n := b.count(t, "#enlarged svg.attn-map g.cells rect"); n != tokens*tokens {
			t.Errorf("enlarged map has %d cells, want %d", n, tokens*tokens)
		}
		if got, want := b.text(t, "#enlarged svg.attn-map text"), fmt.Sprintf("Layer %d, head %d", l, h); got != want {
			t.Errorf("enlarged map's title %q, want %q", got, want)
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
		msg := b.errorShown(t)
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
		gpt2 := loadModel(t, good).Config
		b.run(t, "picking a good model", chromedp.SetUploadFiles("#files", modelPaths(good, names...)))
		b.waitFor(t, "the good model loads", `(document.querySelector("#model-source") || {}).textContent.includes("merges.txt") && `+idle, pageState, 30*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("the error still shows: %q", b.errorShown(t))
		}
		assertLanguageModel(t, b, gpt2)
		b.screenshot(t, "gpt2")
	})

	t.Run("load from a URL", func(t *testing.T) {
		missing := s.URL + "/no-model-here/"
		b.run(t, "asking for a URL without a model", setURL(missing), chromedp.Click("#load-url"))
		b.waitFor(t, "an error shows", `document.querySelector("#error") && `+idle, pageState, 30*time.Second)
		if got, want := b.errorShown(t), "loadModelURL: "+missing+"config.json could not be fetched"; got != want {
			t.Errorf("error %q, want %q", got, want)
		}
		// The GPT-2 served with the site has no files.json: the worker finds its files by their usual names.
		gpt2 := loadModel(t, filepath.Join(siteDir, bundledGPT2))
		u := s.URL + bundledGPT2
		b.run(t, "loading the bundled GPT-2 by its URL", setURL(u), chromedp.Click("#load-url"))
		b.waitFor(t, "the model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, u), pageState, 30*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("the error still shows: %q", b.errorShown(t))
		}
		var text string
		b.eval(t, `document.querySelector("#text").value`, &text)
		if shown, want := shownTokens(t, b), tokenize(t, gpt2, text); strings.Join(shown, " ") != strings.Join(want, " ") {
			t.Errorf("tokens %q, want GPT-2's %q", shown, want)
		}
		assertLanguageModel(t, b, gpt2.Config)
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
		for _, p := range []string{"/", "/ui.wasm", "/worker.js", "/bertology.wasm", "/sw.js", "/models/default/model.safetensors", bundledGPT2 + "model.safetensors"} {
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
		// Without the saved session (which would bring back the model loaded last), the page opens
		// the default model.
		b.eval(t, `bertologySession.clear()`, nil)
		b.run(t, "reloading offline", chromedp.Navigate(s.URL+"/"))
		b.waitFor(t, "the default model loads and the head view is drawn offline",
			`(document.querySelector("#model-source") || {}).textContent == "default model" && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle,
			pageState, 60*time.Second)
		assertHeadView(t, b, 0, heads, b.count(t, "#tokens .token"))
		b.screenshot(t, "offline")

		// The bundled GPT-2, opened by its URL before, opens offline too.
		u := s.URL + bundledGPT2
		b.run(t, "loading the bundled GPT-2 by its URL offline", setURL(u), chromedp.Click("#load-url"))
		b.waitFor(t, "the model loads offline", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, u), pageState, 30*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("an error shows: %q", b.errorShown(t))
		}
		assertLanguageModel(t, b, loadModel(t, filepath.Join(siteDir, bundledGPT2)).Config)
	})
}

// setURL types u into the "load from URL" field.
func setURL(u string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector("#url"); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, u), nil)
}

// shownTokens returns the tokens the page shows for its input.
func shownTokens(t *testing.T, b *browser) []string {
	t.Helper()
	var shown []string
	b.eval(t, `[...document.querySelectorAll("#tokens .token")].map(e => e.textContent)`, &shown)
	return shown
}

// assertLanguageModel checks that the page shows the language model with config cfg: its shape, the
// head view of its first layer, and the most probable next tokens at each token.
func assertLanguageModel(t *testing.T, b *browser, cfg *checkpoint.Config) {
	t.Helper()
	if got, want := b.text(t, "#model-shape"), fmt.Sprintf("%d × %d", cfg.NumLayers, cfg.NumHeads); got != want {
		t.Errorf("model shape %q, want %q", got, want)
	}
	tokens := b.count(t, "#tokens .token")
	assertHeadView(t, b, 0, cfg.NumHeads, tokens)
	if n := b.count(t, "#top-tokens tr"); n != tokens+1 {
		t.Errorf("language model: %d rows of top tokens, want a header and one per token (%d)", n, tokens)
	}
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
