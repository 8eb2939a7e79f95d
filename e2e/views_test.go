//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestViews works the head view, the model view and the neuron view with the mouse, at 1280 and 768
// pixels: hovering a token highlights its lines and fills the boxes, whose tooltip gives the weight; a
// swatch toggles its head and a double-click shows it alone; the sentence filter keeps A→B lines on a
// pair; the model view switches between lines and heatmaps and gives a cell's weight on hover; the
// neuron view's attentions sum to 1 and are the head view's weights. A map of the model view opens in
// the head view. Then GPT-2's tokens show without Ġ, and its
// neuron view gives a query the keys up to its own.
// Screenshots: out/screenshots/views-<view>-<width>.png.
func TestViews(t *testing.T) {
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			s := startSite(t)
			b := startBrowser(t, s)
			b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
			b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("svg.head-view") && `+idle, pageState, 60*time.Second)
			b.run(t, "typing a pair", chromedp.Evaluate(`(() => { const el = document.querySelector("#pair"); el.value = "the dog sleeps"; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, nil))
			click(t, b, "#run")
			b.waitFor(t, "the pair runs", `[...document.querySelectorAll("svg.head-view text.token")].some(e => e.dataset.sentence == "B") && `+idle, pageState, 30*time.Second)
			hv := "figure[data-chart=head-view] svg"
			tokens := b.count(t, hv+" text.token[data-side=left]")
			heads := b.count(t, hv+" g.head")

			// hovering a token on the left: its lines out, the boxes on the right
			hover(t, b, hv+` text.token[data-side=left][data-index="1"]`)
			var shown struct{ Lines, Others, Boxes int }
			b.eval(t, `(() => { const ls = [...document.querySelectorAll("svg.head-view g.head line")].filter(l => l.style.display != "none");
				return {Lines: ls.length, Others: ls.filter(l => l.dataset.i != "1").length,
					Boxes: [...document.querySelectorAll("svg.head-view rect.box[data-side=right]")].filter(b => +b.getAttribute("fill-opacity") > 0).length}; })()`, &shown)
			if shown.Lines != heads*tokens || shown.Others != 0 || shown.Boxes == 0 {
				t.Errorf("hovering token 1: %+v, want %d lines, all from token 1, and filled boxes", shown, heads*tokens)
			}
			// the box of head 0, key 2: its tooltip is the weight of line 1→2
			box := hv + ` rect.box[data-side=right][data-head="0"][data-index="2"]`
			var w string
			b.eval(t, `document.querySelector('svg.head-view g.head[data-head="0"] line[data-i="1"][data-j="2"]').dataset.w`, &w)
			hover(t, b, box)
			if tip := b.text(t, "#view-tip"); !strings.HasSuffix(tip, ": "+w) || !strings.HasPrefix(tip, "head 0: ") {
				t.Errorf("tooltip %q, want head 0's weight %s", tip, w)
			}
			b.shoot(t, "#head-view", fmt.Sprintf("views-head-%d", width))
			// hovering a token on the right: the lines into it
			hover(t, b, hv+` text.token[data-side=right][data-index="2"]`)
			var into int
			b.eval(t, `[...document.querySelectorAll("svg.head-view g.head line")].filter(l => l.style.display != "none" && l.dataset.j == "2").length`, &into)
			if into != heads*tokens {
				t.Errorf("hovering right token 2: %d lines into it, want %d", into, heads*tokens)
			}
			// a swatch toggles its head, a double-click shows it alone
			mouseClick(t, b, hv+` rect.swatch[data-head="1"]`, 1)
			b.waitFor(t, "head 1 goes", fmt.Sprintf(`!document.querySelector("svg.head-view g.head[data-head='1']") && document.querySelectorAll("svg.head-view g.head").length == %d`, heads-1), pageState, 10*time.Second)
			b.run(t, "ticking all heads", chromedp.Click(`//button[text()="All"]`))
			b.waitFor(t, "every head back", fmt.Sprintf(`document.querySelectorAll("svg.head-view g.head").length == %d`, heads), pageState, 10*time.Second)
			mouseClick(t, b, hv+` rect.swatch[data-head="1"]`, 2)
			b.waitFor(t, "head 1 alone", `[...document.querySelectorAll("svg.head-view g.head")].map(g => g.dataset.head).join() == "1"`, pageState, 10*time.Second)
			b.run(t, "ticking all heads", chromedp.Click(`//button[text()="All"]`))
			b.waitFor(t, "every head back", fmt.Sprintf(`document.querySelectorAll("svg.head-view g.head").length == %d`, heads), pageState, 10*time.Second)
			// the sentence filter
			choose(t, b, "#pairs", "A→B")
			b.waitFor(t, "only A→B lines", `(() => { const s = [...document.querySelectorAll("svg.head-view text.token[data-side=left]")].map(e => e.dataset.sentence);
				const ls = [...document.querySelectorAll("svg.head-view g.head line")];
				return ls.length > 0 && ls.every(l => s[l.dataset.i] == "A" && s[l.dataset.j] == "B"); })()`, pageState, 10*time.Second)
			choose(t, b, "#pairs", "")

			// layer 0 head 0's weights from token 1, for the neuron view
			var headWeights []float64
			b.eval(t, `[...document.querySelectorAll('svg.head-view g.head[data-head="0"] line[data-i="1"]')].map(l => +l.dataset.w)`, &headWeights)

			// the model view: lines, then heatmaps, a cell's weight on hover
			click(t, b, "#tab-model", "#model-lines")
			b.waitFor(t, "the model view draws lines", `document.querySelectorAll("svg.model-view g.thumb g.lines").length > 0 && !document.querySelector("svg.model-view g.cells")`, pageState, 10*time.Second)
			b.shoot(t, "#model-view", fmt.Sprintf("views-model-lines-%d", width))
			click(t, b, "#model-heatmap")
			b.waitFor(t, "the model view draws heatmaps", `document.querySelectorAll("svg.model-view g.thumb g.cells").length > 0`, pageState, 10*time.Second)
			cell := `svg.model-view g.thumb[data-layer="0"][data-head="1"] g.cells rect[data-i="1"][data-j="0"]`
			b.eval(t, fmt.Sprintf(`document.querySelector(%q).dataset.w`, cell), &w)
			hover(t, b, cell)
			if tip, want := b.text(t, "#view-tip"), "layer 0, head 1: 1 → 0: "+w; tip != want {
				t.Errorf("model view tooltip %q, want %q", tip, want)
			}
			b.shoot(t, "#model-view", fmt.Sprintf("views-model-heatmap-%d", width))
			// a map clicked opens in the head view, its head alone
			b.run(t, "enlarging layer 1 head 1", chromedp.Click(`svg.model-view g.thumb[data-layer="1"][data-head="1"] rect.frame`))
			click(t, b, "#open-head")
			b.waitFor(t, "layer 1 head 1 in the head view", `[...document.querySelectorAll("svg.head-view text")].some(e => e.textContent == "Layer 1") &&
				[...document.querySelectorAll("svg.head-view g.head")].map(g => g.dataset.head).join() == "1"`, pageState, 10*time.Second)

			// the neuron view of layer 0, head 0, token 1
			click(t, b, "#tab-neuron")
			b.waitFor(t, "the neuron view is drawn", `document.querySelector("svg.neuron-view") && `+idle, pageState, 30*time.Second)
			choose(t, b, "#neuron-token", "1")
			b.waitFor(t, "token 1's query", `(document.querySelector("svg.neuron-view text") || {}).textContent.includes("the query of")  && document.querySelector("#neuron-token").value == "1"`, pageState, 10*time.Second)
			var probs []float64
			b.eval(t, `[...document.querySelectorAll("svg.neuron-view text.prob")].map(e => +e.textContent)`, &probs)
			sum := 0.0
			for _, p := range probs {
				sum += p
			}
			if len(probs) != tokens || math.Abs(sum-1) > float64(tokens)*5e-5 {
				t.Errorf("neuron view: %d attentions summing to %v, want %d summing to 1", len(probs), sum, tokens)
			}
			if len(headWeights) != len(probs) {
				t.Fatalf("head view has %d weights from token 1, neuron view %d", len(headWeights), len(probs))
			}
			for j, p := range probs {
				if math.Abs(p-headWeights[j]) > 5e-5 {
					t.Errorf("key %d: neuron view %v, head view %v", j, p, headWeights[j])
				}
			}
			hover(t, b, `svg.neuron-view g.key[data-index="0"] g.k rect[data-i="0"]`)
			if tip := b.text(t, "#view-tip"); !strings.Contains(tip, "key[0]: ") {
				t.Errorf("neuron view tooltip %q", tip)
			}
			b.shoot(t, "#neuron-view", fmt.Sprintf("views-neuron-%d", width))
			noOverflow(t, b, width)

			// GPT-2: its tokens without Ġ
			b.run(t, "loading the bundled GPT-2", setURL(s.URL+bundledGPT2), chromedp.Click("#load-url"))
			b.waitFor(t, "GPT-2 loads", `(document.querySelector("#model-source") || {}).textContent.includes("gpt2") && `+idle, pageState, 60*time.Second)
			click(t, b, "#tab-head")
			b.waitFor(t, "its head view", `document.querySelector("svg.head-view text.token") && `+idle, pageState, 10*time.Second)
			var drawn []string
			b.eval(t, `[...document.querySelectorAll("svg.head-view text.token[data-side=left]")].map(e => e.textContent)`, &drawn)
			if len(drawn) < 2 || strings.Contains(strings.Join(drawn, ""), "Ġ") || !strings.HasPrefix(drawn[1], " ") {
				t.Errorf("GPT-2's tokens drawn %q: want no Ġ, a space before the second", drawn)
			}
			// its neuron view: a causal query sees itself and the tokens before it
			click(t, b, "#tab-neuron")
			choose(t, b, "#neuron-token", "2")
			b.waitFor(t, "GPT-2's neuron view of token 2", `document.querySelector("svg.neuron-view") && document.querySelectorAll("svg.neuron-view text.prob").length == 3 && `+idle, pageState, 30*time.Second)
			b.eval(t, `[...document.querySelectorAll("svg.neuron-view text.prob")].map(e => +e.textContent)`, &probs)
			if sum := probs[0] + probs[1] + probs[2]; math.Abs(sum-1) > 2e-4 {
				t.Errorf("GPT-2's neuron view: attentions %v sum to %v", probs, sum)
			}
			noOverflow(t, b, width)
		})
	}
}

// center is where the element of selector is on the screen, its chart scrolled into view (the chart
// moves no more once in view, so that the mouse stays where it was put).
func center(t *testing.T, b *browser, selector string) (x, y float64) {
	t.Helper()
	var at []float64
	b.eval(t, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.closest("svg").scrollIntoView({block: "nearest", inline: "nearest"});
		const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, selector), &at)
	if len(at) != 2 {
		t.Fatalf("%s is not on the page", selector)
	}
	return at[0], at[1]
}

// hover moves the mouse onto the element of selector.
func hover(t *testing.T, b *browser, selector string) {
	t.Helper()
	x, y := center(t, b, selector)
	b.run(t, "hovering "+selector, chromedp.ActionFunc(func(ctx context.Context) error {
		return input.DispatchMouseEvent(input.MouseMoved, x, y).Do(ctx)
	}))
}

// mouseClick clicks the element of selector count times at once (2: a double-click).
func mouseClick(t *testing.T, b *browser, selector string, count int) {
	t.Helper()
	x, y := center(t, b, selector)
	b.run(t, "clicking "+selector+" ×"+strconv.Itoa(count), chromedp.MouseClickXY(x, y, chromedp.ClickCount(count)))
}

func noOverflow(t *testing.T, b *browser, width int64) {
	t.Helper()
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Errorf("the page is wider than the %d-pixel window", width)
	}
}
