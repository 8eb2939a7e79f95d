//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/checkpoint"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/probe"
	"bertology/core/tokenizer"
)

// labBatch is how many sequences the lab runs through the model at once in its data-set analyses
// (analysisBatch in wasm/lab); the native reference batches the same way.
const labBatch = 8

// TestAnalysesSST2Dev uploads the real SST-2 dev set to the page with its default model, trains the
// probes and computes the attention statistics there, and checks every number the page shows against
// the same analyses run natively here with packages analysis and probe, with the settings the page sends:
// the accuracy of the probe at every depth and every cell of the attention-statistics maps. It saves
// out/screenshots/analysis-sst2dev-probe.png and analysis-sst2dev-attnstats.png.
func TestAnalysesSST2Dev(t *testing.T) {
	devPath := golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv")
	ref := newSST2Reference(t, devPath)

	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && document.querySelector("#tab-probe") && `+idle,
		pageState, 60*time.Second)
	b.run(t, "uploading the SST-2 dev set", chromedp.SetUploadFiles("#dataset-file", []string{devPath}))
	b.waitFor(t, "the data set loads", fmt.Sprintf(`(document.querySelector("#dataset-count") || {}).textContent == "%d" && %s`, len(ref.examples), idle),
		pageState, 30*time.Second)

	t.Run("probes", func(t *testing.T) {
		click(t, b, "#tab-probe")
		// The settings as the page shows them, untouched: what its request carries.
		maxLen, heldOut, lambda := b.number(t, "#probe-max-len"), b.number(t, "#probe-held-out"), b.number(t, "#probe-lambda")
		if pool := b.value(t, "#probe-pool"); pool != "" {
			t.Fatalf("pooling %q, want the model's default (first token for BERT)", pool)
		}
		if subset := b.number(t, "#probe-subset"); subset != 0 {
			t.Fatalf("%v examples, want 0 (all)", subset)
		}
		opt := probe.DefaultOptions()
		opt.HeldOut, opt.Lambda = heldOut, lambda
		want := ref.probe(t, int(maxLen), opt)

		start := time.Now()
		click(t, b, "#probe-run")
		series := `figure[data-chart=probe-accuracy] svg g.series[data-series="held-out accuracy"] circle`
		b.waitFor(t, "the accuracy chart is drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0 && %s`, series, idle), pageState, 60*time.Second)
		t.Logf("the page trained the probes on %d examples in %v", len(ref.examples), time.Since(start).Round(time.Millisecond))

		depths := ref.ck.Config.NumLayers + 1
		var points []string
		b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(c => c.querySelector("title").textContent)`, series), &points)
		if len(points) != depths {
			t.Fatalf("held-out accuracy: %d points, want one per hidden state, %d", len(points), depths)
		}
		var rows [][]string
		b.eval(t, `[...document.querySelectorAll("#probe-table tr")].slice(1).map(r => [...r.cells].map(c => c.textContent))`, &rows)
		if len(rows) != depths {
			t.Fatalf("%d rows in the probe table, want %d", len(rows), depths)
		}
		for d, s := range want {
			assertShown(t, fmt.Sprintf("held-out accuracy at depth %d, chart", d), points[d], s.HeldOut)
			assertShown(t, fmt.Sprintf("training accuracy at depth %d, table", d), rows[d][1], s.Train)
			assertShown(t, fmt.Sprintf("held-out accuracy at depth %d, table", d), rows[d][2], s.HeldOut)
			t.Logf("probe %s: training %s, held out %s (%d of %d examples), %s iterations (natively %d)",
				rows[d][0], rows[d][1], rows[d][2], s.NHeldOut, len(ref.examples), rows[d][3], s.Iterations)
		}
		t.Logf("probe summary: %s", b.text(t, "#probe-summary"))
		b.shoot(t, "#probe-view", "analysis-sst2dev-probe")
	})

	t.Run("attention statistics", func(t *testing.T) {
		click(t, b, "#tab-attnstats")
		maxLen := b.number(t, "#attnstats-max-len")
		if subset := b.number(t, "#attnstats-subset"); subset != 0 {
			t.Fatalf("%v examples, want 0 (all)", subset)
		}
		want := ref.attentionStats(t, int(maxLen))

		start := time.Now()
		click(t, b, "#attnstats-run")
		maps := "figure[data-chart=attention-statistics] svg g.heatmap"
		b.waitFor(t, "the maps are drawn", fmt.Sprintf(`document.querySelectorAll(%q).length > 0 && %s`, maps, idle), pageState, 60*time.Second)
		t.Logf("the page computed the statistics of %d examples in %v", len(ref.examples), time.Since(start).Round(time.Millisecond))

		if title, head := b.text(t, "figure[data-chart=attention-statistics] svg"), fmt.Sprintf("over %d examples (%d tokens)", want.Examples, want.Tokens); !strings.Contains(title, head) {
			t.Errorf("the maps' title does not say %q: %q", head, title)
		}
		var shown []struct {
			Name  string   `json:"name"`
			Cells []string `json:"cells"`
		}
		b.eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(g => ({name: g.dataset.name,
			cells: [...g.querySelectorAll("g.cells rect")].map(r => r.querySelector("title").textContent)}))`, maps), &shown)
		if len(shown) != int(attnstats.NumStatistics) {
			t.Fatalf("%d maps, want one per statistic, %d", len(shown), attnstats.NumStatistics)
		}
		L, H := ref.ck.Config.NumLayers, ref.ck.Config.NumHeads
		for s, m := range shown {
			if len(m.Cells) != L*H {
				t.Errorf("%s: %d cells, want layers × heads = %d", m.Name, len(m.Cells), L*H)
				continue
			}
			// Cells run row by row: layer l, head h is cell l·H+h, titled "layer l, h: value".
			for k, cell := range m.Cells {
				l, h := k/H, k%H
				if prefix := fmt.Sprintf("layer %d, %d: ", l, h); !strings.HasPrefix(cell, prefix) {
					t.Errorf("%s: cell %d is titled %q, want it to start %q", m.Name, k, cell, prefix)
				}
				assertShown(t, fmt.Sprintf("%s of layer %d head %d", m.Name, l, h), cell, want.At(attnstats.Statistic(s), l, h))
			}
			t.Logf("attention statistics, %s: %s", m.Name, strings.Join(m.Cells, "; "))
		}
		b.shoot(t, "#attnstats-view", "analysis-sst2dev-attnstats")
	})
}

// sst2Reference is the page's default model and the SST-2 dev set, read natively as the page's lab
// reads them.
type sst2Reference struct {
	ck       *checkpoint.Checkpoint
	m        *model.Model
	tok      tokenizer.Tokenizer
	task     *glue.Task
	examples []glue.Example
}

func newSST2Reference(t *testing.T, devPath string) *sst2Reference {
	t.Helper()
	ck := loadModel(t, defaultModelDir)
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(devPath)
	if err != nil {
		t.Fatal(err)
	}
	task, split, err := glue.DetectTask(data, filepath.Base(devPath))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := glue.ReadTSV(bytes.NewReader(data), task, split)
	if err != nil {
		t.Fatalf("%s: %v", devPath, err)
	}
	return &sst2Reference{ck: ck, m: m, tok: tok, task: task, examples: examples}
}

// encode encodes the examples as the lab does, truncated to maxLen tokens and to the model's positions.
func (r *sst2Reference) encode(t *testing.T, maxLen int) []tokenizer.Encoding {
	t.Helper()
	encs, err := analysis.EncodeExamples(r.tok, r.task, r.examples, min(maxLen, r.ck.Config.MaxPositions))
	if err != nil {
		t.Fatal(err)
	}
	return encs
}

// probe trains the probes as the lab does for BERT: on the first token's hidden state at every depth.
func (r *sst2Reference) probe(t *testing.T, maxLen int, opt probe.Options) []probe.Score {
	t.Helper()
	f, err := analysis.SentenceFeatures(t.Context(), analysis.ModelRunner{Model: r.m}, r.m, r.encode(t, maxLen), labBatch, r.tok.PadID(), probe.First, nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(r.examples))
	for i, ex := range r.examples {
		labels[i] = ex.Label
	}
	scores, err := probe.EvaluateLayers(t.Context(), f.Layers, f.N, f.D, labels, len(r.task.Labels), opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return scores
}

func (r *sst2Reference) attentionStats(t *testing.T, maxLen int) *attnstats.Result {
	t.Helper()
	res, err := analysis.AttentionStats(t.Context(), analysis.ModelRunner{Model: r.m}, r.m, r.tok, r.encode(t, maxLen), labBatch, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// assertShown checks that the number at the end of text (after its last ": ", if any; a percentage
// when it ends in "%"; "none" for NaN) is want to the precision it is written with: within half a unit
// of its last digit.
func assertShown(t *testing.T, what, text string, want float64) {
	t.Helper()
	s := text[strings.LastIndex(text, ": ")+1:]
	s = strings.TrimSpace(s)
	if s == "none" {
		if !math.IsNaN(want) {
			t.Errorf("%s: the page shows %q, want %v", what, text, want)
		}
		return
	}
	scale := 1.0
	if p, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = p, 100
	}
	got, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Errorf("%s: the page shows %q, not a number", what, text)
		return
	}
	decimals := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		decimals = len(s) - i - 1
	}
	// Half a unit of the last digit, and a little more for the float32 the values travel in.
	tol := 0.5*math.Pow(10, -float64(decimals)) + 1e-6*math.Max(1, math.Abs(got))
	if math.IsNaN(want) || math.Abs(got-scale*want) > tol {
		t.Errorf("%s: the page shows %q, natively %.*f", what, text, decimals, scale*want)
	}
}

// value is the value of a form field.
func (b *browser) value(t testing.TB, selector string) string {
	t.Helper()
	var v string
	b.eval(t, fmt.Sprintf(`document.querySelector(%q).value`, selector), &v)
	return v
}

// number is the number a form field holds.
func (b *browser) number(t testing.TB, selector string) float64 {
	t.Helper()
	v := b.value(t, selector)
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s holds %q, not a number", selector, v)
	}
	return n
}
