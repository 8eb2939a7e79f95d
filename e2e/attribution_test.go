//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAttribution opens the page on the bundled BERT SST-2 classifier, types "the movie was great",
// and in the Attribution tab draws its integrated gradients (one cell per token, whose tooltips hold
// the lab's scores), its attention attribution (layers × heads), and the patching maps against "the
// movie was awful", in windows 1280 and 768 pixels wide, with pictures in
// out/screenshots/analysis-attribution-<view>-<width>.png.
func TestAttribution(t *testing.T) {
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { attributionAt(t, width) })
	}
}

func attributionAt(t *testing.T, width int64) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("#tab-attribution") && `+idle,
		pageState, 60*time.Second)
	b.run(t, "typing the input", setField("#text", "the movie was great", "input"))
	b.waitFor(t, "the input runs", idle, pageState, 30*time.Second)
	click(t, b, "#tab-attribution", "#saliency-run")
	maps := "figure[data-chart=saliency] svg g.heatmap"
	b.waitFor(t, "the saliency is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length == 1 && %s`, maps, idle), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Fatalf("an error shows: %q", b.text(t, "#error"))
	}
	var ok bool
	b.eval(t, "("+labCall+", true)", &ok)
	var lab struct {
		Tokens []string
		Scores []float64
	}
	b.eval(t, `(async () => { const r = await labCall("saliency", {text: "the movie was great", method: "ig"});
		return {tokens: [...r.tokens], scores: [...r.scores]}; })()`, &lab)
	var tips []string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q + " g.cells rect title")].map(e => e.textContent)`, maps), &tips)
	if len(tips) != len(lab.Tokens) || len(lab.Tokens) != 6 {
		t.Fatalf("%d cells for the lab's tokens %q", len(tips), lab.Tokens)
	}
	for i, tip := range tips {
		f := strings.Fields(tip)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil || math.Abs(v-lab.Scores[i]) > 1e-4 {
			t.Errorf("cell %d: %q, want %.4f", i, tip, lab.Scores[i])
		}
	}
	t.Logf("integrated gradients of %q: %v", lab.Tokens, lab.Scores)
	b.shoot(t, "#attribution-view", fmt.Sprintf("analysis-attribution-saliency-%d", width))

	choose(t, b, "#saliency-method", "attention")
	click(t, b, "#saliency-run")
	b.waitFor(t, "the attention attribution is drawn", fmt.Sprintf(`document.querySelectorAll(%q + " g.cells rect").length == 4 && %s`, maps, idle), pageState, 60*time.Second)
	b.shoot(t, "#attribution-view", fmt.Sprintf("analysis-attribution-attention-%d", width))

	b.run(t, "typing the corrupted input", setField("#patching-corrupted", "the movie was awful", "input"))
	click(t, b, "#patching-run")
	pm := "figure[data-chart=patching] svg g.heatmap"
	b.waitFor(t, "the patching maps are drawn", fmt.Sprintf(`document.querySelectorAll(%q).length == 2 && %s`, pm, idle), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Fatalf("an error shows: %q", b.text(t, "#error"))
	}
	var cells int
	b.eval(t, fmt.Sprintf(`document.querySelectorAll(%q + " g.cells rect").length`, pm), &cells)
	if cells != 3*6+2*2 {
		t.Errorf("%d cells, want (layers+1) × tokens + layers × heads = %d", cells, 3*6+2*2)
	}
	b.shoot(t, "#patching-view", fmt.Sprintf("analysis-attribution-patching-%d", width))
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Errorf("the page is wider than the %d-pixel window", width)
	}
}
