//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInductionHeads opens the page (BERT: the "Induction heads" tab disabled, with its reason), then
// the bundled GPT-2, and finds its induction heads, in a window 1280 and then 768 pixels wide: three
// layer × head maps whose tooltips hold the scores the lab computes, nothing wider than the window,
// and pictures of the panel and of BERT's tabs in out/screenshots/analysis-induction-heads-<width>.png
// and analysis-tabs-bert-<width>.png.
func TestInductionHeads(t *testing.T) {
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { inductionAt(t, width) })
	}
}

func inductionAt(t *testing.T, width int64) {
	cfg := loadModel(t, filepath.Join(siteDir, bundledGPT2)).Config
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("#tab-induction") && `+idle,
		pageState, 60*time.Second)
	var tab struct {
		Disabled bool
		Title    string
	}
	b.eval(t, `(e => ({disabled: e.disabled, title: e.title}))(document.querySelector("#tab-induction"))`, &tab)
	if !tab.Disabled || !strings.Contains(tab.Title, "causal language models") {
		t.Errorf("BERT: the induction tab is disabled %v, titled %q; want disabled with the reason", tab.Disabled, tab.Title)
	}
	b.shoot(t, ".analyses nav.tabs", fmt.Sprintf("analysis-tabs-bert-%d", width))

	u := s.URL + bundledGPT2
	b.run(t, "loading the bundled GPT-2 by its URL", setURL(u), chromedp.Click("#load-url"))
	b.waitFor(t, "the model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, u), pageState, 30*time.Second)
	click(t, b, "#tab-induction", "#induction-run")
	maps := "figure[data-chart=induction-heads] svg g.heatmap"
	b.waitFor(t, "the maps are drawn", fmt.Sprintf(`document.querySelectorAll(%q).length == 3 && %s`, maps, idle), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Errorf("an error shows: %q", b.errorShown(t))
	}

	// What the lab computes with the panel's defaults, and what the maps' cells say.
	var ok bool
	b.eval(t, "("+labCall+", true)", &ok)
	var lab map[string]struct {
		Data []float64
	}
	b.eval(t, `(async () => {
		const r = await labCall("induction", {});
		return Object.fromEntries(["prefixMatching", "copying", "previousToken"].map(k => [k, {data: [...r[k].data]}]));
	})()`, &lab)
	var tips map[string][]string
	b.eval(t, fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll(%q)].map(g => [g.dataset.name, [...g.querySelectorAll("g.cells rect title")].map(e => e.textContent)]))`, maps), &tips)
	L, H := cfg.NumLayers, cfg.NumHeads
	for _, key := range []string{"prefixMatching", "copying", "previousToken"} {
		cells, want := tips[key], lab[key].Data
		if len(cells) != L*H || len(want) != L*H {
			t.Errorf("%s: %d cells, the lab %d values; want layers × heads = %d", key, len(cells), len(want), L*H)
			continue
		}
		for at, tip := range cells {
			prefix := fmt.Sprintf("layer %d, %d: ", at/H, at%H)
			v, err := strconv.ParseFloat(strings.TrimPrefix(tip, prefix), 64)
			if !strings.HasPrefix(tip, prefix) || err != nil || math.Abs(v-want[at]) > 5e-4 {
				t.Errorf("%s cell %d: %q, want %s%.3f", key, at, tip, prefix, want[at])
			}
		}
		t.Logf("bundled GPT-2, %s: %v", key, want)
	}
	var notes []string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(g => g.dataset.name + ": " + g.querySelector("text.note").textContent)`, maps), &notes)
	for _, n := range notes {
		t.Logf("bundled GPT-2, %s", n)
	}
	t.Logf("%s", b.text(t, "#induction-sequence"))
	b.shoot(t, "#induction-view", fmt.Sprintf("analysis-induction-heads-%d", width))
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Errorf("the page is wider than the %d-pixel window", width)
	}
}
