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

	"bertology/core/golden"
)

// bundledStories is the URL path of stories260K, which build.sh copies into the site from ../shared.
const bundledStories = "/models/stories260K/"

// TestGenerate opens stories260K from the model picker, generates 20 tokens greedily from "Once upon a time" in the
// Generate tab (the text a prefix of run.c's greedy story), clicks a generated token (the head view
// draws the text up to it), finds its induction heads, at 1280 and 768 pixels; at 1280 it then reloads
// offline and opens stories260K again from the service worker's copy. Pictures:
// out/screenshots/generate-panel-<width>.png.
func TestGenerate(t *testing.T) {
	if _, err := os.Stat(filepath.Join(siteDir, bundledStories, "stories260K.bin")); err != nil {
		t.Skipf("stories260K is not in the site (%v): ./build.sh build copies it from ../shared/data/models/stories260K", err)
	}
	var g struct {
		Runs map[string]struct {
			HFDecoded string `json:"hf_decoded"`
		} `json:"runs"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "generation.json"), &g)
	story := g.Runs["once_upon_a_time"].HFDecoded
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { generateAt(t, width, story) })
	}
}

func generateAt(t *testing.T, width int64, story string) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("#tab-generate") && `+idle, pageState, 60*time.Second)
	var tab struct {
		Disabled bool
		Title    string
	}
	b.eval(t, `(e => ({disabled: e.disabled, title: e.title}))(document.querySelector("#tab-generate"))`, &tab)
	if !tab.Disabled || !strings.Contains(tab.Title, "causal language models") {
		t.Errorf("BERT: the generate tab is disabled %v, titled %q; want disabled with the reason", tab.Disabled, tab.Title)
	}
	const source = "stories260K (llama2.c, TinyStories)" // its name in models/index.json
	open := func(what string) {
		t.Helper()
		choose(t, b, "#model-picker", "bundled:stories260K")
		b.run(t, "opening stories260K from the picker"+what, chromedp.Click("#open-picked"))
		b.waitFor(t, "stories260K loads"+what, fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, source), pageState, 60*time.Second)
		if b.count(t, "#error") != 0 {
			t.Fatalf("an error shows: %q", b.errorShown(t))
		}
	}
	open("")
	click(t, b, "#tab-generate")
	b.run(t, "asking for 20 tokens", setField("#generate-max", "20", "input"))
	click(t, b, "#generate-run")
	b.waitFor(t, "20 tokens are generated", `document.querySelectorAll("#generate-text .token.generated").length == 20 && `+idle, pageState, 60*time.Second)
	text := b.text(t, "#generate-text")
	if !strings.HasPrefix(story, text) || !strings.HasPrefix(text, "Once upon a time, there was") {
		t.Errorf("generated %q, want a prefix of run.c's greedy story %q", text, story[:80])
	}
	b.shoot(t, "#generate-view", fmt.Sprintf("generate-panel-%d", width))

	// The tenth token: the input becomes the text up to it, BOS + 4 prompt tokens + 10, in the head view.
	click(t, b, `#generate-text .token.generated[data-index="9"]`)
	b.waitFor(t, "the head view draws the text up to the token", `document.querySelectorAll("#tokens .token").length == 15 && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle, pageState, 30*time.Second)
	if b.count(t, `#generate-text .token.active[data-index="9"]`) != 1 {
		t.Error("the token clicked is not marked")
	}
	b.shoot(t, ".panels", fmt.Sprintf("generate-input-%d", width))

	click(t, b, "#tab-induction", "#induction-run")
	b.waitFor(t, "the induction maps are drawn", `document.querySelectorAll("figure[data-chart=induction-heads] svg g.heatmap").length == 3 && `+idle, pageState, 60*time.Second)
	if width != 1280 {
		return
	}

	b.waitFor(t, "the service worker has cached stories260K",
		`navigator.serviceWorker.controller && caches.open("bertology").then(c => c.match("models/stories260K/stories260K.bin")).then(r => !!r)`,
		`caches.open("bertology").then(c => c.keys()).then(k => k.map(r => r.url))`, 30*time.Second)
	b.run(t, "cutting the network", network.EmulateNetworkConditions(true, 0, -1, -1))
	s.cut()
	b.run(t, "reloading offline", chromedp.Navigate(s.URL+"/"))
	// The saved session brings stories260K back, offline; it opens again from the picker.
	b.waitFor(t, "stories260K comes back offline", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, source), pageState, 60*time.Second)
	open(" offline")
	click(t, b, "#tab-generate", "#generate-run")
	b.waitFor(t, "tokens are generated offline", `document.querySelectorAll("#generate-text .token.generated").length == 64 && `+idle, pageState, 60*time.Second)
}
