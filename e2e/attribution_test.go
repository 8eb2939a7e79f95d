//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAttribution opens the page on the bundled BERT SST-2 classifier, types "the movie was great",
// and in the Attribution tab draws its integrated gradients (one cell per token, whose tooltips hold
// the lab's scores), its attention attribution (layers × heads), and the patching maps against "the
// movie was awful"; then its attribution graph, the head ablation maps (zero, and mean over the SST-2
// dev set loaded), a JSON of `bertology patch --ablate` drawn (and refused by the saliency panel, as is
// GPT-2's saliency JSON on BERT), and GPT-2's patching with two typed next tokens; in windows 1280 and
// 768 pixels wide, with pictures in out/screenshots/analysis-attribution-<view>-<width>.png and
// attrib2-<view>-<width>.png.
func TestAttribution(t *testing.T) {
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { attributionAt(t, width) })
	}
}

// checkCells compares the tooltips of a head map's cells with each ablated metric's change from metric.
func checkCells(t *testing.T, b *browser, cells string, ablated []float64, metric float64) {
	t.Helper()
	var tips []string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q + " title")].map(e => e.textContent)`, cells), &tips)
	if len(tips) != len(ablated) {
		t.Fatalf("%d cells for %d heads", len(tips), len(ablated))
	}
	for i, tip := range tips {
		f := strings.Fields(tip)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err != nil || math.Abs(v-(ablated[i]-metric)) > 1e-3 {
			t.Errorf("head %d: %q, want %.3f", i, tip, ablated[i]-metric)
		}
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
	graph := "figure[data-chart=attribution-graph] svg g.edges line"
	b.waitFor(t, "the attribution graph is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0`, graph), pageState, 10*time.Second)
	var edges []float64
	b.eval(t, `(async () => { const r = await labCall("saliency", {text: "the movie was great", method: "attention"});
		return [...r.graph.edges].map(e => e.value); })()`, &edges)
	var lineTips []string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q + " title")].map(e => e.textContent)`, graph), &lineTips)
	if len(lineTips) != len(edges) || len(edges) > 20 {
		t.Fatalf("%d lines for the lab's %d edges", len(lineTips), len(edges))
	}
	for i, tip := range lineTips {
		f := strings.Fields(tip)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err != nil || math.Abs(v-edges[i]) > 1e-4 {
			t.Errorf("edge %d: %q, want %.4f", i, tip, edges[i])
		}
	}
	t.Logf("attribution graph of %q: %d edges, %q", "the movie was great", len(edges), lineTips)
	b.shoot(t, "#attribution-view", fmt.Sprintf("analysis-attribution-attention-%d", width))
	b.shoot(t, "figure[data-chart=attribution-graph]", fmt.Sprintf("attrib2-graph-%d", width))

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

	click(t, b, "#ablation-run")
	am := "figure[data-chart=ablation] svg g.heatmap g.cells rect"
	b.waitFor(t, "the ablation map is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length == 4 && %s`, am, idle), pageState, 60*time.Second)
	var abl struct {
		Metric  float64
		Ablated []float64
	}
	b.eval(t, `(async () => { const r = await labCall("ablate", {text: "the movie was great", mode: "zero"});
		return {metric: r.metric, ablated: [...r.ablated]}; })()`, &abl)
	checkCells(t, b, am, abl.Ablated, abl.Metric)
	t.Logf("zero ablation of %q: metric %.4f, with each head zeroed %v", "the movie was great", abl.Metric, abl.Ablated)
	b.shoot(t, "#patching-view", fmt.Sprintf("attrib2-ablation-%d", width))

	// Mean ablation over the loaded data set: the lab's numbers, with the examples counted in the title.
	b.run(t, "uploading the SST-2 dev set", chromedp.SetUploadFiles("#dataset-file", []string{absPath(t, filepath.Join(goldenDir, "run_bertology", "data", "SST-2", "dev.tsv"))}))
	b.waitFor(t, "the data set loads", idle, pageState, 30*time.Second)
	click(t, b, "#tab-attribution")
	choose(t, b, "#ablation-mode", "mean")
	// The status bar as it changes: the job, its phase and its progress bar's value.
	var observing bool
	b.eval(t, `(() => { window.statusSeen = []; const s = document.querySelector("#status");
		new MutationObserver(() => { const p = s.querySelector("progress");
			window.statusSeen.push({text: s.textContent.trim(), value: p && p.hasAttribute("value") ? p.value : -1}); })
			.observe(s, {subtree: true, childList: true, characterData: true, attributes: true});
		return true; })()`, &observing)
	click(t, b, "#ablation-run")
	b.waitFor(t, "the mean ablation is drawn", fmt.Sprintf(`[...document.querySelectorAll("figure[data-chart=ablation] svg text")].some(e => e.textContent.includes("set to its mean over 12 examples")) && %s`, idle), pageState, 60*time.Second)
	var seen []struct {
		Text  string
		Value float64
	}
	b.eval(t, `window.statusSeen`, &seen)
	t.Logf("the status bar during mean ablation: %+v", seen)
	means, end := false, false
	for _, s := range seen {
		means = means || strings.HasPrefix(s.Text, "Ablating heads: head means, ")
		end = end || strings.HasPrefix(s.Text, "Ablating heads: head means, 100%") && s.Value == 1
	}
	if !means || !end {
		t.Errorf("the status bar showed the head means' progress %v, reaching its end %v: %+v", means, end, seen)
	}
	b.eval(t, `(async () => { const r = await labCall("ablate", {text: "the movie was great", mode: "mean"});
		return {metric: r.metric, ablated: [...r.ablated]}; })()`, &abl)
	checkCells(t, b, am, abl.Ablated, abl.Metric)
	t.Logf("mean ablation of %q over 12 examples: metric %.4f, with each head at its mean %v", "the movie was great", abl.Metric, abl.Ablated)
	// Over the first 5 examples typed, as the lab's subset gives it.
	b.run(t, "typing the examples", setField("#ablation-subset", "5", "input"))
	click(t, b, "#ablation-run")
	b.waitFor(t, "the mean ablation over 5 examples is drawn", fmt.Sprintf(`[...document.querySelectorAll("figure[data-chart=ablation] svg text")].some(e => e.textContent.includes("set to its mean over 5 examples")) && %s`, idle), pageState, 60*time.Second)
	b.eval(t, `(async () => { const r = await labCall("ablate", {text: "the movie was great", mode: "mean", subset: 5});
		return {metric: r.metric, ablated: [...r.ablated]}; })()`, &abl)
	checkCells(t, b, am, abl.Ablated, abl.Metric)
	t.Logf("mean ablation of %q over 5 examples: metric %.4f, with each head at its mean %v", "the movie was great", abl.Metric, abl.Ablated)
	b.shoot(t, "#patching-view", fmt.Sprintf("ablate-mean-ablation-%d", width))

	// A JSON `bertology patch --ablate zero` wrote for the bundled model draws as the page's own.
	cli := filepath.Join(t.TempDir(), "awful.json")
	run := exec.Command("go", "run", "../cmd/bertology", "patch", "--model", "../public/models/bert-tiny-sst2", "--clean", "the movie was awful", "--ablate", "zero", "--out", cli)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("bertology patch: %v\n%s", err, out)
	}
	var fromCLI struct {
		Metric  float64   `json:"metric"`
		Ablated []float64 `json:"ablated"`
	}
	raw, err := os.ReadFile(cli)
	if err != nil || json.Unmarshal(raw, &fromCLI) != nil {
		t.Fatalf("%s: %v", cli, err)
	}
	b.run(t, "opening the CLI's JSON", chromedp.SetUploadFiles("#patching-load-json", []string{cli}))
	b.waitFor(t, "the CLI's ablation is drawn", fmt.Sprintf(`[...document.querySelectorAll("figure[data-chart=ablation] svg text")].some(e => e.textContent.includes(%q)) && %s`, fmt.Sprintf("(%.3f)", fromCLI.Metric), idle), pageState, 30*time.Second)
	checkCells(t, b, am, fromCLI.Ablated, fromCLI.Metric)
	b.run(t, "opening the CLI's JSON as a saliency", chromedp.SetUploadFiles("#saliency-load-json", []string{cli}))
	b.waitFor(t, "the wrong kind is refused", `(document.querySelector("#error") || {textContent: ""}).textContent.includes("holds an ablation result; this panel draws a saliency result") && `+idle, pageState, 30*time.Second)
	gpt2 := filepath.Join(t.TempDir(), "gpt2.json")
	run = exec.Command("go", "run", "../cmd/bertology", "saliency", "--model", "../public/models/gpt2-tiny-sst2", "--text", "the movie was", "--method", "grad", "--out", gpt2)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("bertology saliency: %v\n%s", err, out)
	}
	b.run(t, "opening GPT-2's saliency on BERT", chromedp.SetUploadFiles("#saliency-load-json", []string{gpt2}))
	b.waitFor(t, "another model's tokens are refused", `(document.querySelector("#error") || {textContent: ""}).textContent.includes("comes from another model") && `+idle, pageState, 30*time.Second)

	// GPT-2: patching with the two next tokens typed, each one token of the model's.
	choose(t, b, "#model-picker", "bundled:gpt2-tiny-sst2")
	click(t, b, "#open-picked")
	b.waitFor(t, "GPT-2 loads", `(document.querySelector("#model-source") || {}).textContent == "GPT-2 tiny, SST-2 sentences" && `+idle, pageState, 60*time.Second)
	b.run(t, "typing the input", setField("#text", "the movie was", "input"))
	b.waitFor(t, "the input runs", idle, pageState, 30*time.Second)
	click(t, b, "#tab-attribution")
	b.run(t, "typing the corrupted input and the tokens", setField("#patching-corrupted", "the film was", "input"),
		setField("#patching-token-a", " good bad", "input"), setField("#patching-token-b", " bad", "input"))
	click(t, b, "#patching-run")
	b.waitFor(t, "a word of two tokens is refused", `(document.querySelector("#error") || {textContent: ""}).textContent.includes("not one") && `+idle, pageState, 30*time.Second)
	b.run(t, "typing one token", setField("#patching-token-a", " good", "input"))
	click(t, b, "#patching-run")
	b.waitFor(t, "GPT-2's patching maps are drawn", fmt.Sprintf(`[...document.querySelectorAll("figure[data-chart=patching] svg text")].some(e => e.textContent.startsWith("logit[Ġgood] − logit[Ġbad]")) && %s`, idle), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Fatalf("an error shows: %q", b.text(t, "#error"))
	}
	b.shoot(t, "#patching-view", fmt.Sprintf("attrib2-patching-gpt2-%d", width))
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Errorf("the page is wider than the %d-pixel window", width)
	}
}
