//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// sst2Dev is the 12-row SST-2 file of the run_bertology.py goldens.
var sst2Dev = filepath.Join(goldenDir, "run_bertology", "data", "SST-2", "dev.tsv")

// workflowState summarises the workflow's panels, for failure messages.
const workflowState = `JSON.stringify({
	status: (document.querySelector("#status") || {}).textContent,
	error: (document.querySelector("#error") || {}).textContent,
	dataset: (document.querySelector("#dataset-info") || {}).textContent,
	metric: (document.querySelector("#metric") || {}).textContent,
	maps: document.querySelectorAll("svg.head-map").length,
	cells: document.querySelectorAll("svg.head-map g.cell").length,
	masked: document.querySelectorAll("svg.head-map g.cell.masked").length,
	curve: document.querySelectorAll("figure[data-chart=masking-curve] svg circle").length,
	prune: (document.querySelector("#prune-result") || {}).textContent,
	files: [...document.querySelectorAll(".download-file")].map(b => b.dataset.file),
})`

// cellSelector selects the cell of a head in one of the heatmaps.
func cellSelector(chart string, layer, head int) string {
	return fmt.Sprintf(`figure[data-chart=%s] svg g.cell[data-layer="%d"][data-head="%d"]`, chart, layer, head)
}

// isMasked is an expression that is true when the head's cell is drawn masked in both heatmaps.
func isMasked(layer, head int) string {
	return fmt.Sprintf(`[%q, %q].every(s => document.querySelector(s) && document.querySelector(s).classList.contains("masked"))`,
		cellSelector("head-importance", layer, head), cellSelector("attention-entropy", layer, head))
}

func TestWorkflow(t *testing.T) {
	def := loadModel(t, defaultModelDir).Config
	s := startSite(t)
	b := startBrowser(t, s)
	downloads := t.TempDir()
	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"),
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	layers, heads := def.NumLayers, def.NumHeads

	t.Run("data set and heatmaps", func(t *testing.T) {
		b.run(t, "picking the SST-2 file", chromedp.SetUploadFiles("#dataset-file", modelPaths(filepath.Dir(sst2Dev), "dev.tsv")))
		b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, workflowState, 30*time.Second)
		if got := b.text(t, "#dataset-task-shown"); got != "SST-2, dev split (detected: 2 columns, labels 0/1, GLUE's header row)" {
			t.Errorf("task shown %q", got)
		}
		if n := b.count(t, "#dataset-preview tr"); n != 1+5 {
			t.Errorf("preview has %d rows, want a header and 5", n)
		}
		b.run(t, "computing importance", chromedp.Click("#run-importance"))
		b.waitFor(t, "both heatmaps are drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, workflowState, 30*time.Second)
		for _, chart := range []string{"head-importance", "attention-entropy"} {
			if n := b.count(t, "figure[data-chart="+chart+"] svg g.cell"); n != layers*heads {
				t.Errorf("%s: %d cells, want layers × heads = %d", chart, n, layers*heads)
			}
			if n := b.count(t, "figure[data-chart="+chart+"] svg g.legend rect"); n == 0 {
				t.Errorf("%s: no colour scale", chart)
			}
		}
		var title string
		b.eval(t, `document.querySelector("figure[data-chart=head-importance] svg g.cell title").textContent`, &title)
		if !strings.HasPrefix(title, "layer 0, head 0: importance ") {
			t.Errorf("cell title %q", title)
		}
		if m := b.text(t, "#metric-value"); !strings.HasPrefix(m, "accuracy ") {
			t.Errorf("metric %q", m)
		}
		b.screenshot(t, "workflow-importance")
	})

	t.Run("clicking a head masks it", func(t *testing.T) {
		const rows = 200
		words := wordsFile(t, filepath.Join(defaultModelDir, "vocab.txt"), rows)
		b.run(t, "picking the file of words", chromedp.SetUploadFiles("#dataset-file", []string{words}))
		b.waitFor(t, "the words load", fmt.Sprintf(`(document.querySelector("#dataset-count") || {}).textContent == "%d" && %s`, rows, idle), workflowState, 30*time.Second)
		b.run(t, "computing importance", chromedp.Click("#run-importance"))
		b.waitFor(t, "both heatmaps are drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, workflowState, 30*time.Second)
		before := b.text(t, "#metric-value")
		prediction := b.text(t, "figure[data-chart=prediction] svg")
		// Find a head whose masking changes the accuracy on this data; unmask the others again.
		found := false
		for i := 0; i < layers*heads && !found; i++ {
			l, h := i/heads, i%heads
			b.run(t, "clicking a cell", chromedp.Click(cellSelector("head-importance", l, h)))
			b.waitFor(t, "the head is drawn masked", isMasked(l, h)+" && "+idle, workflowState, 20*time.Second)
			if n := b.count(t, "svg.head-map g.cell.masked"); n != 2 {
				t.Fatalf("%d masked cells in the two heatmaps, want 2", n)
			}
			if got := b.text(t, "#masked-count"); got != fmt.Sprintf("with 1 of %d heads masked", layers*heads) {
				t.Errorf("masked count %q", got)
			}
			if after := b.text(t, "#metric-value"); after != before {
				found = true
				t.Logf("masking layer %d head %d: %s → %s", l, h, before, after)
				b.screenshot(t, "workflow-masked")
				if b.text(t, "figure[data-chart=prediction] svg") == prediction {
					t.Logf("the prediction for the input did not change (it need not)")
				}
				break
			}
			b.run(t, "clicking the cell again", chromedp.Click(cellSelector("attention-entropy", l, h)))
			b.waitFor(t, "the head is back", `!document.querySelector("svg.head-map g.cell.masked") && `+idle, workflowState, 20*time.Second)
			if got := b.text(t, "#metric-value"); got != before {
				t.Errorf("with every head back the metric is %q, want %q again", got, before)
			}
		}
		if !found {
			t.Fatalf("no single head changes the metric on %d words", rows)
		}
	})

	t.Run("masking loop", func(t *testing.T) {
		b.run(t, "unmasking", chromedp.Click("#unmask-all"))
		b.waitFor(t, "every head is back", `!document.querySelector("svg.head-map g.cell.masked") && `+idle, workflowState, 20*time.Second)
		b.run(t, "running the masking loop", chromedp.SetValue("#threshold", "0.8"),
			chromedp.Evaluate(`document.querySelector("#threshold").dispatchEvent(new Event("input", {bubbles: true}))`, nil),
			chromedp.Click("#run-masking"))
		b.waitFor(t, "the masking curve is drawn", `document.querySelector("figure[data-chart=masking-curve] svg") && `+idle, workflowState, 60*time.Second)
		var rounds int
		b.eval(t, `Number(document.querySelector("#masking-ended").textContent.split(" ")[0])`, &rounds)
		if n := b.count(t, "figure[data-chart=masking-curve] svg g.series circle"); n != rounds+1 || rounds < 1 {
			t.Errorf("masking curve: %d points for %d rounds and the start", n, rounds)
		}
		if n := b.count(t, "figure[data-chart=masking-curve] svg g.reference line"); n == 0 {
			t.Error("masking curve: no threshold line")
		}
		b.screenshot(t, "workflow-masking")
	})

	t.Run("prune and download", func(t *testing.T) {
		if b.count(t, "svg.head-map g.cell.masked") == 0 {
			l, h := layers-1, heads-1
			b.run(t, "masking a head", chromedp.Click(cellSelector("head-importance", l, h)))
			b.waitFor(t, "the head is masked", isMasked(l, h)+" && "+idle, workflowState, 20*time.Second)
		}
		masked := b.count(t, "figure[data-chart=head-importance] svg g.cell.masked")
		b.run(t, "pruning", chromedp.Click("#prune"))
		b.waitFor(t, "the pruning result shows", `document.querySelector("#prune-result") && `+idle, workflowState, 60*time.Second)
		var params [2]int
		b.eval(t, `["#params-before", "#params-after"].map(s => Number(document.querySelector(s).textContent.replace(/\D/g, "")))`, &params)
		if !(params[1] < params[0]) || params[0] == 0 {
			t.Errorf("parameters %d → %d", params[0], params[1])
		}
		for _, id := range []string{"#time-before", "#time-after"} {
			if got := b.text(t, id); !strings.HasSuffix(got, " ms") {
				t.Errorf("%s %q", id, got)
			}
		}
		b.screenshot(t, "workflow-pruned")

		b.run(t, "exporting the model", chromedp.Click("#export-model"))
		b.waitFor(t, "the model's files are offered", `document.querySelector(".download-file[data-file='config.json']") && `+idle, workflowState, 30*time.Second)
		b.run(t, "downloading config.json", chromedp.Click(`.download-file[data-file="config.json"]`))
		var cfg struct {
			PrunedHeads map[string][]int `json:"pruned_heads"`
		}
		if err := json.Unmarshal(waitForFile(t, filepath.Join(downloads, "config.json")), &cfg); err != nil {
			t.Fatalf("config.json: %v", err)
		}
		n := 0
		for _, hs := range cfg.PrunedHeads {
			n += len(hs)
		}
		if n != masked {
			t.Errorf("config.json prunes %v, want the %d masked heads", cfg.PrunedHeads, masked)
		}
		b.run(t, "downloading the weights", chromedp.Click(`.download-file[data-file="model.safetensors"]`))
		if w := waitForFile(t, filepath.Join(downloads, "model.safetensors")); len(w) < 1000 {
			t.Errorf("model.safetensors has %d bytes", len(w))
		}
		for _, f := range []struct{ button, file string }{{"#download-importance", "head_importance.npy"}, {"#download-mask", "head_mask.npy"}} {
			b.run(t, "downloading "+f.file, chromedp.Click(f.button))
			if npy := waitForFile(t, filepath.Join(downloads, f.file)); !strings.HasPrefix(string(npy), "\x93NUMPY") {
				t.Errorf("%s starts %q", f.file, npy[:min(8, len(npy))])
			}
		}
		b.run(t, "saving the importance heatmap", chromedp.Click("figure[data-chart=head-importance] button.save-svg"))
		svg := string(waitForFile(t, filepath.Join(downloads, "head-importance.svg")))
		if n := len(regexp.MustCompile(`<g class="cell[ "]`).FindAllString(svg, -1)); n != layers*heads {
			t.Errorf("head-importance.svg has %d cells, want %d", n, layers*heads)
		}
	})

	t.Run("the page stays responsive while importance runs", func(t *testing.T) {
		// 12 rows × 1500: long enough to click around while it runs (3,600 took under 2 s once the
		// kernels got fast).
		data, err := os.ReadFile(sst2Dev)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(strings.TrimSpace(string(data)), "\n")
		rows := strings.Join(lines[1:], "") + "\n"
		big := filepath.Join(t.TempDir(), "dev.tsv")
		if err := os.WriteFile(big, []byte(lines[0]+strings.Repeat(rows, 1500)), 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(t, "picking the long file", chromedp.SetUploadFiles("#dataset-file", []string{big}))
		b.waitFor(t, "the long file loads", `(document.querySelector("#dataset-count") || {}).textContent == "18000" && `+idle, workflowState, 30*time.Second)
		b.run(t, "computing importance", chromedp.Click("#run-importance"))
		b.waitFor(t, "the progress bar moves", `Number((document.querySelector("#status progress[value]") || {}).value) > 0`, workflowState, 30*time.Second)
		b.screenshot(t, "workflow-running")
		// Switch between the attention views three times, each time measuring until the view shows.
		var clicks []struct {
			MS      float64 `json:"ms"`
			Before  float64 `json:"before"`
			After   float64 `json:"after"`
			Running bool    `json:"running"`
		}
		b.eval(t, `(async () => {
			const bar = () => Number((document.querySelector("#status progress[value]") || {}).value);
			const out = [];
			for (const [tab, view] of [["#tab-model", "#model-view"], ["#tab-head", "#head-view"], ["#tab-model", "#model-view"]]) {
				const before = bar(), t0 = performance.now();
				document.querySelector(tab).click();
				let ms;
				while (!document.querySelector(view) && (ms = performance.now() - t0) < 5000) {
					await new Promise(r => setTimeout(r, 2));
				}
				ms = performance.now() - t0;
				await new Promise(r => setTimeout(r, 300));
				out.push({ms, before, after: bar(), running: !!document.querySelector("#status.busy")});
			}
			return out;
		})()`, &clicks)
		for _, c := range clicks {
			t.Logf("the view switched %.0f ms after the click; progress %.3f → %.3f", c.MS, c.Before, c.After)
			if c.MS > 200 {
				t.Errorf("the click showed after %.0f ms, want within 200 ms", c.MS)
			}
			if !c.Running {
				t.Errorf("importance was not running through the click: progress %.3f → %.3f", c.Before, c.After)
			}
		}
		// Progress comes a group of batches at a time from the workers, which on a busy machine may take
		// longer than one click's 300 ms: it must have moved over the three.
		if first, last := clicks[0], clicks[len(clicks)-1]; !(last.After > first.Before) {
			t.Errorf("importance made no progress through the clicks: %.3f → %.3f", first.Before, last.After)
		}
		b.run(t, "cancelling", chromedp.Click("#cancel"))
		b.waitFor(t, "the work stops", `document.querySelector("#error") && `+idle, workflowState, 30*time.Second)
		if got := b.errorShown(t); got != "importance: cancelled" {
			t.Errorf("after cancelling the error says %q", got)
		}
	})
}

// wordsFile writes an SST-2 dev file of n one-word sentences, the first whole words of a WordPiece
// vocabulary, labelled 0 and 1 in turn. Among so many inputs some sit near the decision boundary, so
// that masking a single head flips a prediction and moves the accuracy, whichever model the page
// opens; the 12 golden sentences need not hold one such.
func wordsFile(t *testing.T, vocab string, n int) string {
	t.Helper()
	data, err := os.ReadFile(vocab)
	if err != nil {
		t.Fatal(err)
	}
	whole := regexp.MustCompile(`^[a-z]+$`)
	var rows strings.Builder
	rows.WriteString("sentence\tlabel\n")
	k := 0
	for _, w := range strings.Split(string(data), "\n") {
		if k == n {
			break
		}
		if whole.MatchString(w) {
			fmt.Fprintf(&rows, "%s\t%d\n", w, k%2)
			k++
		}
	}
	if k < n {
		t.Fatalf("%s has %d whole words, want %d", vocab, k, n)
	}
	path := filepath.Join(t.TempDir(), "dev.tsv")
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
