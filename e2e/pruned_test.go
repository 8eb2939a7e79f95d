//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// prunedState summarises the views, for failure messages.
const prunedState = `JSON.stringify({
	status: (document.querySelector("#status") || {}).textContent,
	error: (document.querySelector("#error") || {}).textContent,
	shape: (document.querySelector("#model-shape") || {}).textContent,
	heads: (document.querySelector("#model-heads") || {}).textContent,
	swatches: [...document.querySelectorAll(".head-toggle")].map(e => e.textContent.trim()),
	thumbs: [...document.querySelectorAll("figure[data-chart=model-view] svg g.thumb")].map(g => g.dataset.layer + "/" + g.dataset.head),
	prune: (document.querySelector("#prune-result") || {}).textContent,
})`

// TestPrunedViews prunes the default model (2 layers × 2 heads) in the page to head 1 of layer 0 and no
// head in layer 1, with the enlarged map of layer 0 head 1 open, and then every view draws: the head
// view and the model view label the heads by their original numbers (the head left is "1", and the
// enlarged map stays on it), model info lists the heads per layer, and the rollout, hidden states,
// probes, attention statistics and the table of examples compute on the pruned model. It saves
// out/screenshots/pruned-views-1280.png and pruned-views-768.png, and the model view and rollout alone.
func TestPrunedViews(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	if got := b.text(t, "#model-shape"); got != "2 × 2" || b.count(t, "#model-heads") != 0 {
		t.Fatalf("the default model's shape %q (and heads per layer shown: %d), want 2 × 2", got, b.count(t, "#model-heads"))
	}
	b.run(t, "picking the SST-2 file", chromedp.SetUploadFiles("#dataset-file", modelPaths(filepath.Dir(sst2Dev), "dev.tsv")))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, prunedState, 30*time.Second)
	click(t, b, "#run-importance")
	b.waitFor(t, "both heatmaps are drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, prunedState, 30*time.Second)

	// The enlarged map of layer 0 head 1, open while the heads go.
	click(t, b, "#tab-model")
	thumb := `figure[data-chart=model-view] svg g.thumb[data-layer="0"][data-head="1"] rect`
	b.eval(t, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new MouseEvent("click", {bubbles: true}))`, thumb), nil)
	b.waitFor(t, "the map enlarges", `(document.querySelector("#enlarged svg") || {}).textContent.includes("Layer 0, head 1")`, prunedState, 10*time.Second)

	for _, lh := range [][2]int{{0, 0}, {1, 0}, {1, 1}} {
		b.run(t, "masking a head", chromedp.Click(cellSelector("head-importance", lh[0], lh[1])))
		b.waitFor(t, "the head is masked", isMasked(lh[0], lh[1])+" && "+idle, prunedState, 20*time.Second)
	}
	click(t, b, "#prune")
	b.waitFor(t, "the model is pruned", `document.querySelector("#prune-result") && document.querySelector("#model-heads") && `+idle, prunedState, 60*time.Second)

	if got, want := b.text(t, "#model-shape"), "2 × 2 before pruning"; got != want {
		t.Errorf("model shape %q, want %q", got, want)
	}
	if got, want := b.text(t, "#model-heads"), "layer 0: heads 1; layer 1: none"; got != want {
		t.Errorf("heads per layer %q, want %q", got, want)
	}
	if n := b.count(t, "figure[data-chart=head-importance] svg g.cell.pruned"); n != 3 {
		t.Errorf("%d heads drawn pruned in the importance map, want 3", n)
	}
	// The model view: head 1 of layer 0 in its own column, the others pruned; the enlarged map on it.
	var thumbs []string
	b.eval(t, `[...document.querySelectorAll("figure[data-chart=model-view] svg g.thumb")].map(g => g.dataset.layer + "/" + g.dataset.head)`, &thumbs)
	if strings.Join(thumbs, " ") != "0/1" || b.count(t, "figure[data-chart=model-view] svg g.pruned") != 3 {
		t.Errorf("model view: maps %q and %d pruned boxes, want 0/1 and 3", thumbs, b.count(t, "figure[data-chart=model-view] svg g.pruned"))
	}
	if title := b.text(t, "#enlarged svg"); !strings.Contains(title, "Layer 0, head 1") {
		t.Errorf("the enlarged map shows %q, want layer 0, head 1 still", title)
	}
	b.shoot(t, "#model-view", "pruned-model-view")

	// The head view: layer 0 has head "1", layer 1 none.
	click(t, b, "#tab-head")
	b.waitFor(t, "the head view shows", `document.querySelector("figure[data-chart=head-view] svg")`, prunedState, 10*time.Second)
	var swatches, drawn []string
	b.eval(t, `[...document.querySelectorAll(".head-toggle")].map(e => e.textContent.trim())`, &swatches)
	b.eval(t, `[...document.querySelectorAll("figure[data-chart=head-view] svg g.head")].map(g => g.dataset.head)`, &drawn)
	if strings.Join(swatches, " ") != "1" || strings.Join(drawn, " ") != "1" {
		t.Errorf("head view of layer 0: swatches %q, lines of heads %q, want head 1 alone", swatches, drawn)
	}
	b.shoot(t, ".views", "pruned-head-view")
	b.shoot(t, "#model-info", "pruned-model-info")
	choose(t, b, "#layer", "1")
	b.waitFor(t, "layer 1 shows", `(document.querySelector("figure[data-chart=head-view] svg") || {}).textContent.includes("Layer 1")`, prunedState, 10*time.Second)
	if n, lines := b.count(t, ".head-toggle"), b.count(t, "figure[data-chart=head-view] svg line"); n != 0 || lines != 0 {
		t.Errorf("layer 1 has no heads left, but the head view shows %d swatches and %d lines", n, lines)
	}
	choose(t, b, "#layer", "0")

	// The analyses compute on the pruned model.
	for _, a := range []struct{ tab, run, drawn string }{
		{"#tab-hidden", "#hidden-run", "figure[data-chart=hidden-cosine] svg rect"},
		{"#tab-rollout", "#rollout-run", "figure[data-chart=rollout] svg g.heatmap"},
		{"#tab-probe", "#probe-run", "figure[data-chart=probe-accuracy] svg circle"},
		{"#tab-attnstats", "#attnstats-run", "figure[data-chart=attention-statistics] svg g.heatmap"},
	} {
		click(t, b, a.tab, a.run)
		b.waitFor(t, a.run+" draws on the pruned model", fmt.Sprintf(`document.querySelector(%q) && %s`, a.drawn, idle), prunedState, 60*time.Second)
		if e := b.errorShown(t); e != "" {
			t.Errorf("%s: error %q", a.run, e)
		}
	}
	if title := b.text(t, "figure[data-chart=attention-statistics] svg"); !strings.Contains(title, "grey heads are pruned") {
		t.Errorf("attention statistics do not say the grey heads are pruned: %q", title)
	}
	click(t, b, "#tab-rollout")
	if title := b.text(t, "figure[data-chart=rollout] svg"); !strings.Contains(title, "Attention, layer 1 (every head pruned: the identity)") {
		t.Errorf("rollout of the last layer: %q", title)
	}
	b.shoot(t, "#rollout-view", "pruned-rollout")
	click(t, b, "#examples-run")
	b.waitFor(t, "the table of examples fills", `document.querySelectorAll("#examples-table tbody tr").length == 12 && `+idle, prunedState, 60*time.Second)
	b.screenshot(t, "pruned-views-1280")

	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 900))
	b.waitFor(t, "the page lays out again", `document.documentElement.clientWidth == 768`, prunedState, 10*time.Second)
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Error("the page is wider than the 768-pixel window")
	}
	b.screenshot(t, "pruned-views-768")
}
