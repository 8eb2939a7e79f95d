//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAnalyses clicks through "Beyond attention maps" on the default model with the golden SST-2 dev
// file loaded: hidden states, rollout and flow, probes and attention statistics,
// then the logit lens, disabled on the classifier with the reason, of the golden GPT-2, in a window 1280 and then 768 pixels wide. It counts what each
// chart draws, wants nothing wider than the window, and saves a picture of each panel to
// out/screenshots/analysis-*-<width>.png.
func TestAnalyses(t *testing.T) {
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { analysesAt(t, width) })
	}
}

func analysesAt(t *testing.T, width int64) {
	def := loadModel(t, defaultModelDir).Config
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("#tab-hidden") && `+idle,
		pageState, 60*time.Second)
	tokens := b.count(t, "#tokens .token")
	if tokens == 0 {
		t.Fatal("no tokens shown")
	}
	depths := def.NumLayers + 1 // the embeddings and each layer's output

	t.Run("hidden states", func(t *testing.T) {
		click(t, b, "#tab-hidden", "#hidden-run")
		b.waitFor(t, "the cosine matrix and the scatter plot are drawn",
			`document.querySelectorAll("figure[data-chart=hidden-pca] svg g.points circle").length > 0 && `+idle, pageState, 30*time.Second)
		if n := b.count(t, "figure[data-chart=hidden-cosine] svg g.cells rect"); n != tokens*tokens {
			t.Errorf("cosine matrix: %d cells, want tokens × tokens = %d", n, tokens*tokens)
		}
		if n := b.count(t, "figure[data-chart=hidden-pca] svg g.points circle"); n != tokens {
			t.Errorf("principal components: %d points, want one per token, %d", n, tokens)
		}
		if n := b.count(t, "#hidden-depth option"); n != depths {
			t.Errorf("%d depths to choose from, want %d", n, depths)
		}
		last := def.NumLayers - 1
		choose(t, b, "#hidden-depth", fmt.Sprint(last+1))
		b.waitFor(t, fmt.Sprintf("the output of layer %d is drawn", last),
			fmt.Sprintf(`document.querySelector("figure[data-chart=hidden-cosine] svg").textContent.includes("layer %d")`, last), pageState, 10*time.Second)
		b.shoot(t, "#hidden-view", fmt.Sprintf("analysis-hidden-states-%d", width))
	})

	t.Run("rollout and flow", func(t *testing.T) {
		click(t, b, "#tab-rollout", "#rollout-run")
		b.waitFor(t, "three maps are drawn", `document.querySelectorAll("figure[data-chart=rollout] svg g.heatmap").length == 3 && `+idle, pageState, 30*time.Second)
		for _, name := range []string{"attention", "rollout", "flow"} {
			if n := b.count(t, fmt.Sprintf("figure[data-chart=rollout] svg g.heatmap[data-name=%s] g.cells rect", name)); n != tokens*tokens {
				t.Errorf("%s: %d cells, want %d", name, n, tokens*tokens)
			}
		}
		b.shoot(t, "#rollout-view", fmt.Sprintf("analysis-rollout-%d", width))
	})

	b.run(t, "uploading the SST-2 dev file",
		chromedp.SetUploadFiles("#dataset-file", []string{absPath(t, filepath.Join(goldenDir, "run_bertology", "data", "SST-2", "dev.tsv"))}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, pageState, 30*time.Second)

	t.Run("probes", func(t *testing.T) {
		// Half the 12 sentences held out, so that accuracy moves in steps of 1/6.
		click(t, b, "#tab-probe")
		b.run(t, "holding out half", chromedp.SetValue("#probe-held-out", "0.5"),
			chromedp.Evaluate(`document.querySelector("#probe-held-out").dispatchEvent(new Event("input", {bubbles: true}))`, nil))
		click(t, b, "#probe-run")
		series := `figure[data-chart=probe-accuracy] svg g.series[data-series="held-out accuracy"] circle`
		b.waitFor(t, "the accuracy chart is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0 && %s`, series, idle), pageState, 60*time.Second)
		if n := b.count(t, series); n != depths {
			t.Errorf("held-out accuracy: %d points, want one per hidden state, %d", n, depths)
		}
		if n := b.count(t, "figure[data-chart=probe-accuracy] svg g.reference"); n != 1 {
			t.Errorf("%d baselines, want the majority class", n)
		}
		var rows [][]string
		b.eval(t, `[...document.querySelectorAll("#probe-table tr")].slice(1).map(r => [...r.cells].map(c => c.textContent))`, &rows)
		if len(rows) != depths {
			t.Fatalf("%d rows in the probe table, want %d", len(rows), depths)
		}
		for _, r := range rows {
			t.Logf("probe %s: training %s, held out %s, %s iterations", r[0], r[1], r[2], r[3])
		}
		t.Logf("probe summary: %s", b.text(t, "#probe-summary"))
		b.shoot(t, "#probe-view", fmt.Sprintf("analysis-probe-%d", width))
	})

	t.Run("attention statistics", func(t *testing.T) {
		click(t, b, "#tab-attnstats", "#attnstats-run")
		maps := "figure[data-chart=attention-statistics] svg g.heatmap"
		b.waitFor(t, "the maps are drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0 && %s`, maps, idle), pageState, 60*time.Second)
		var cells []int
		b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(g => g.querySelectorAll("g.cells rect").length)`, maps), &cells)
		if len(cells) != 7 {
			t.Fatalf("%d maps, want one per statistic, 7", len(cells))
		}
		for k, n := range cells {
			if n != def.NumLayers*def.NumHeads {
				t.Errorf("map %d: %d cells, want layers × heads = %d", k, n, def.NumLayers*def.NumHeads)
			}
		}
		var top []string
		b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(g => g.dataset.name + ": " + g.querySelector("text.note").textContent)`, maps), &top)
		for _, s := range top {
			t.Logf("attention statistics, %s", s)
		}
		b.shoot(t, "#attnstats-view", fmt.Sprintf("analysis-attention-statistics-%d", width))
	})

	t.Run("logit lens", func(t *testing.T) {
		// The classifier has no language-model head: the button says so instead of running.
		click(t, b, "#tab-lens")
		var disabled bool
		b.eval(t, `document.querySelector("#lens-run").disabled`, &disabled)
		if why := b.text(t, "#lens-view .why"); !disabled || !strings.Contains(why, "needs a language-model head") {
			t.Errorf("the lens on a classifier: disabled %v, saying %q; want disabled, saying why", disabled, why)
		}
		names := []string{"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}
		dir := filepath.Join(goldenDir, "gpt2", "model")
		gptDepths := loadModel(t, dir).Config.NumLayers + 1
		b.run(t, "picking GPT-2", chromedp.SetUploadFiles("#files", modelPaths(dir, names...)))
		b.waitFor(t, "GPT-2 loads", `(document.querySelector("#model-source") || {}).textContent.includes("merges.txt") && `+idle, pageState, 30*time.Second)
		gptTokens := b.count(t, "#tokens .token")
		click(t, b, "#lens-run")
		cells := "figure[data-chart=logit-lens] svg g.cells g.cell"
		b.waitFor(t, "the lens is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0 && %s`, cells, idle), pageState, 30*time.Second)
		if n := b.count(t, cells); n != gptDepths*gptTokens {
			t.Errorf("lens: %d cells, want depths × tokens = %d × %d", n, gptDepths, gptTokens)
		}
		if b.count(t, "#error") != 0 {
			t.Errorf("an error still shows: %q", b.errorShown(t))
		}
		b.shoot(t, "#lens-view", fmt.Sprintf("analysis-logit-lens-%d", width))
	})
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Errorf("the page is wider than the %d-pixel window", width)
	}
}

// click clicks the elements one after the other, each once the page has shown it enabled: a tab, then
// the button it shows. Clicking from JavaScript leaves the page where it is scrolled to.
func click(t *testing.T, b *browser, selectors ...string) {
	t.Helper()
	for _, sel := range selectors {
		b.waitFor(t, sel+" is there to click", fmt.Sprintf(`(e => e && !e.disabled && e.offsetParent !== null)(document.querySelector(%q))`, sel), pageState, 10*time.Second)
		b.eval(t, fmt.Sprintf(`document.querySelector(%q).click()`, sel), nil)
	}
}

// choose picks value in a select element and tells the page.
func choose(t *testing.T, b *browser, selector, value string) {
	t.Helper()
	b.run(t, "choosing "+value+" in "+selector, chromedp.SetValue(selector, value),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, selector), nil))
}

// shoot saves a picture of one element as out/screenshots/name.png.
func (b *browser) shoot(t testing.TB, selector, name string) {
	t.Helper()
	var png []byte
	b.run(t, "screenshot of "+selector, chromedp.ScrollIntoView(selector), chromedp.Screenshot(selector, &png, chromedp.ByQuery))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
