package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"bertology/core/golden"
	"bertology/wasm/protocol"
)

// savingHost is labHost with downloads, which it keeps.
type savingHost struct {
	*labHost
	mu    sync.Mutex
	files map[string][]byte
}

func (h *savingHost) SaveFile(name string, data []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[name] = data
	return nil
}

// saved waits for a download named name.
func (h *savingHost) saved(t *testing.T, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		data, ok := h.files[name]
		h.mu.Unlock()
		if ok {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not saved", name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startWorkflow starts the page with downloads, and loads the golden SST-2 file.
func startWorkflow(t *testing.T) (*Root, *savingHost) {
	t.Helper()
	c, lh := startRoot(t)
	host := &savingHost{labHost: lh, files: map[string][]byte{}}
	sst2, err := os.ReadFile(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	handle(c, func() {
		c.Host = host
		c.data.LoadDataset("SST-2/dev.tsv", sst2, "")
	})
	waitIdle(t, c)
	if c.err != "" || c.data.dataset == nil {
		t.Fatalf("data set not loaded: %q", c.err)
	}
	return c, host
}

// labCall asks the page's lab directly, as a reference for what the page shows.
func labCall[Res any](t *testing.T, host *savingHost, op string, req any) *Res {
	t.Helper()
	fields, _ := protocol.Encode(req).(map[string]any)
	res, err := host.lab.Handle(context.Background(), op, fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.(*Res)
}

func TestWorkflowImportanceAndMasking(t *testing.T) {
	c, host := startWorkflow(t)
	d := c.data.dataset
	if d.Task != "sst-2" || d.Count != 12 || !d.Detected {
		t.Fatalf("data set %+v", d)
	}
	handle(c, func() { c.form.RunImportance(event{}) })
	waitIdle(t, c)
	imp := c.importance.result
	if c.err != "" || imp == nil {
		t.Fatalf("importance: %q", c.err)
	}
	for name, svg := range map[string]string{"importance": c.importance.importanceSVG, "entropy": c.importance.entropySVG} {
		if n := strings.Count(svg, `<g class="cell"`); n != 12 {
			t.Errorf("%s heatmap: %d cells, want 12", name, n)
		}
	}
	baseline := c.importance.metricText()
	if !strings.HasPrefix(baseline, "accuracy ") {
		t.Errorf("metric %q", baseline)
	}

	// Masking a head redraws it masked and evaluates the data and the input with the mask.
	handle(c, func() { c.importance.ToggleHead(0, 1) })
	waitIdle(t, c)
	mask := c.heads.mask
	if mask[1] != 0 || countZeros(mask) != 1 || strings.Count(c.importance.importanceSVG, `<g class="cell masked"`) != 1 {
		t.Fatalf("mask %v after masking layer 0 head 1", mask)
	}
	want := labCall[protocol.Evaluation](t, host, protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask})
	if got := c.importance.evaluation; *got.Metrics["loss"] != *want.Metrics["loss"] {
		t.Errorf("loss with the mask %v, want %v", *got.Metrics["loss"], *want.Metrics["loss"])
	}
	fwd := labCall[protocol.ForwardResult](t, host, protocol.OpForward, &protocol.ForwardRequest{Text: c.text, HeadMask: mask})
	if got := c.result.Logits.Data; got[0] != fwd.Logits.Data[0] || got[1] != fwd.Logits.Data[1] {
		t.Errorf("prediction logits %v, want the masked model's %v", got, fwd.Logits.Data)
	}
	handle(c, func() { c.importance.UnmaskAll() })
	waitIdle(t, c)
	if countZeros(c.heads.mask) != 0 || c.importance.metricText() != baseline {
		t.Errorf("after unmasking: mask %v, metric %q, want %q", c.heads.mask, c.importance.metricText(), baseline)
	}

	// The masking loop draws its curve and takes its final mask.
	handle(c, func() {
		setField(&c.pruning.threshold, event{value: "0.5"})
		c.pruning.RunMasking(event{})
	})
	waitIdle(t, c)
	m := c.pruning.masking
	if c.err != "" || m == nil {
		t.Fatalf("masking loop: %q", c.err)
	}
	if n := strings.Count(c.pruning.curveSVG, "<circle "); n != len(m.Rounds)+1 {
		t.Errorf("masking curve: %d points for %d rounds and the start", n, len(m.Rounds))
	}
	if !strings.Contains(c.pruning.curveSVG, `class="reference"`) {
		t.Error("masking curve has no threshold line")
	}
	for i, v := range m.FinalMask {
		if c.heads.mask[i] != v {
			t.Fatalf("mask %v, want the loop's final mask %v", c.heads.mask, m.FinalMask)
		}
	}
}

func TestWorkflowPruneAndExport(t *testing.T) {
	c, host := startWorkflow(t)
	original := c.info.Params
	handle(c, func() { c.form.RunImportance(event{}) })
	waitIdle(t, c)
	handle(c, func() { c.importance.ToggleHead(1, 2) })
	waitIdle(t, c)
	handle(c, func() { c.importance.ToggleHead(2, 0) })
	waitIdle(t, c)
	masked := c.result.Logits.Data

	handle(c, func() { c.pruning.Prune() })
	waitIdle(t, c)
	p := c.pruning.result
	if c.err != "" || p == nil {
		t.Fatalf("prune: %q", c.err)
	}
	if p.ParamsBefore != original || c.info.Params != p.ParamsAfter || p.ParamsAfter >= original || c.heads.prunedCount() != 2 {
		t.Errorf("params %d → %d, page shows %d; %d heads pruned", p.ParamsBefore, p.ParamsAfter, c.info.Params, c.heads.prunedCount())
	}
	for i, v := range c.result.Logits.Data {
		if d := v - masked[i]; d > 1e-5 || d < -1e-5 {
			t.Errorf("pruned logits %v, masked %v", c.result.Logits.Data, masked)
		}
	}
	// A pruned head cannot be unmasked.
	handle(c, func() { c.importance.ToggleHead(1, 2) })
	if !strings.Contains(c.err, "pruned") || c.heads.mask[6] != 0 {
		t.Errorf("toggling a pruned head: error %q, mask %v", c.err, c.heads.mask)
	}

	handle(c, func() { c.pruning.ExportModel() })
	waitIdle(t, c)
	names := " " + strings.Join(c.pruning.exportedNames(), " ") + " "
	for _, want := range []string{"config.json", "model.safetensors", "vocab.txt"} {
		if !strings.Contains(names, " "+want+" ") {
			t.Fatalf("exported %q, without %s (error %q)", names, want, c.err)
		}
	}
	handle(c, func() { c.pruning.SaveExported("config.json") })
	var cfg struct {
		PrunedHeads map[string][]int `json:"pruned_heads"`
	}
	if err := json.Unmarshal(host.saved(t, "config.json"), &cfg); err != nil || len(cfg.PrunedHeads["1"]) != 1 || cfg.PrunedHeads["2"][0] != 0 {
		t.Errorf("saved config.json: pruned_heads %v (%v)", cfg.PrunedHeads, err)
	}
	handle(c, func() { c.importance.SaveNpy("mask") })
	if npy := host.saved(t, "head_mask.npy"); !strings.HasPrefix(string(npy), "\x93NUMPY") {
		t.Errorf("head_mask.npy starts %q", npy[:8])
	}

	handle(c, func() { c.pruning.Restore() })
	waitIdle(t, c)
	if c.info.Params != original || c.heads.prunedCount() != 0 || c.pruning.result != nil {
		t.Errorf("restored: %d params, %d heads pruned", c.info.Params, c.heads.prunedCount())
	}
}

func TestWorkflowErrorsAndModelChange(t *testing.T) {
	c, _ := startWorkflow(t)
	before := c.data.dataset
	bad := []byte("sentence\tlabel\ngood\t1\nbad\tmaybe\n")
	handle(c, func() { c.data.LoadDataset("dev.tsv", bad, "sst-2") })
	waitIdle(t, c)
	if !strings.Contains(c.err, "line 3") || c.data.dataset != before {
		t.Errorf("bad data: error %q; the data set before should stay", c.err)
	}
	handle(c, func() { setField(&c.form.batchSize, event{value: "x"}); c.form.RunImportance(event{}) })
	if !strings.HasPrefix(c.err, "batch size: ") {
		t.Errorf("bad batch size: error %q", c.err)
	}
	handle(c, func() { setField(&c.form.batchSize, event{value: "4"}); c.form.RunImportance(event{}) })
	waitIdle(t, c)
	if c.err != "" || c.importance.result == nil {
		t.Fatalf("importance after an error: %q", c.err)
	}
	handle(c, func() { c.importance.ToggleHead(0, 0) })
	waitIdle(t, c)
	masked := c.result.Logits.Data

	// New data: importance goes, and with its heatmaps the mask; the input runs with every head again.
	handle(c, func() { c.data.LoadDataset("dev.tsv", []byte("sentence\tlabel\nhello world\t1\n"), "") })
	waitIdle(t, c)
	if c.err != "" || c.data.dataset.Count != 1 || c.importance.result != nil || countZeros(c.heads.mask) != 0 {
		t.Errorf("after new data: error %q, %d examples, mask %v", c.err, c.data.dataset.Count, c.heads.mask)
	}
	if c.result.Logits.Data[0] == masked[0] {
		t.Errorf("the prediction %v still has the head masked", c.result.Logits.Data)
	}
	before = c.data.dataset

	// Another model: what was computed goes, the data set and the settings stay, and the input runs
	// on the new model without the old mask.
	handle(c, func() { c.SetURL(event{value: defaultModelURL}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if c.err != "" || c.importance.result != nil || c.heads.mask != nil || c.data.dataset != before || c.form.batchSize != "4" {
		t.Errorf("after loading a model: error %q, importance %v, mask %v", c.err, c.importance.result != nil, c.heads.mask)
	}
}

// TestWorkflowPrunedCheckpoint: the heads a checkpoint comes without are the lab's to report (its
// config's pruned_heads), not the page's to guess; they cannot be unmasked, and there is nothing to
// restore.
func TestWorkflowPrunedCheckpoint(t *testing.T) {
	c, host := startWorkflow(t)
	labCall[protocol.ImportanceResult](t, host, protocol.OpImportance, &protocol.ImportanceRequest{})
	labCall[protocol.PruneResult](t, host, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"1": {2}, "2": {0}}})
	files := labCall[protocol.ExportedFiles](t, host, protocol.OpExportModel, &protocol.ExportModelRequest{})
	host.dirs["pruned/"] = files.Files
	handle(c, func() { c.SetURL(event{value: "pruned/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if c.err != "" || c.heads.prunedCount() != 2 || !c.heads.pruned[6] || !c.heads.pruned[8] || c.heads.restorable {
		t.Fatalf("error %q; pruned %v, restorable %v", c.err, c.heads.pruned, c.heads.restorable)
	}
	handle(c, func() { c.form.RunImportance(event{}) })
	waitIdle(t, c)
	if c.err != "" || countZeros(c.heads.mask) != 2 || strings.Count(c.importance.importanceSVG, `<g class="cell masked pruned"`) != 2 {
		t.Fatalf("importance: error %q, mask %v", c.err, c.heads.mask)
	}
	handle(c, func() { c.importance.ToggleHead(2, 0) })
	if !strings.Contains(c.err, "loaded without it") || c.heads.mask[8] != 0 || c.busy != "" {
		t.Errorf("toggling a head the checkpoint lacks: error %q, mask %v", c.err, c.heads.mask)
	}
}
