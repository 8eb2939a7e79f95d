package lab

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"bertology/core/bertology"
	"bertology/core/f64"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/npy"
	"bertology/wasm/protocol"
)

// The run_bertology.py goldens: the real script on the golden BERT and a 12-row SST-2 file.
func sst2(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scriptResult is one run of results.json.
type scriptResult struct {
	Importance golden.Tensor  `json:"head_importance"`
	Entropy    golden.Tensor  `json:"attn_entropy"`
	Mask       *golden.Tensor `json:"head_mask"`
}

func scriptResults(t *testing.T) map[string]scriptResult {
	t.Helper()
	raw, err := os.ReadFile(golden.Path(t, "run_bertology", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Python's json module writes NaN, which encoding/json refuses; no run this test reads has one.
	raw = regexp.MustCompile(`\bNaN\b`).ReplaceAll(raw, []byte("null"))
	var runs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &runs); err != nil {
		t.Fatal(err)
	}
	out := map[string]scriptResult{}
	for name, r := range runs {
		var res scriptResult
		if json.Unmarshal(r, &res) == nil {
			out[name] = res
		}
	}
	return out
}

// scriptLog returns the lines of a run's log.txt that match re, with their submatches.
func scriptLog(t *testing.T, run string, re *regexp.Regexp) [][]string {
	t.Helper()
	b, err := os.ReadFile(golden.Path(t, "run_bertology", run, "log.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return re.FindAllStringSubmatch(string(b), -1)
}

// call runs an op with the request struct req, as the module does with a JavaScript request.
func call[Res any](t *testing.T, l *Lab, op string, req any) *Res {
	t.Helper()
	res, err := callErr(l, context.Background(), op, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.(*Res)
}

func callErr(l *Lab, ctx context.Context, op string, req any, report Reporter) (any, error) {
	fields, _ := protocol.Encode(req).(map[string]any)
	return l.Handle(ctx, op, fields, report)
}

// loadSST2 returns a lab with the golden BERT and the golden SST-2 file.
func loadSST2(t *testing.T) *Lab {
	t.Helper()
	l := loadBERT(t)
	info := call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)})
	if info.Task != "sst-2" || info.Split != "dev" || info.Count != 12 || !info.Detected || info.Metric != "acc" {
		t.Fatalf("data set %+v", info)
	}
	if len(info.Preview) != previewRows || info.Preview[0] != (protocol.DatasetRow{TextA: "the quick brown fox", Label: "1"}) {
		t.Errorf("preview %+v", info.Preview)
	}
	if want := "2 columns, labels 0/1, GLUE's header row, named in the file name"; info.Reason != want {
		t.Errorf("reason %q, want %q", info.Reason, want)
	}
	return l
}

func TestImportanceMatchesRunBertology(t *testing.T) {
	l := loadSST2(t)
	var reports []protocol.Progress
	res, err := callErr(l, context.Background(), protocol.OpImportance,
		&protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 1, Mode: "script"},
		func(p protocol.Progress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	imp := res.(*protocol.ImportanceResult)
	want := scriptResults(t)["default"]
	if imp.Layers != 3 || imp.Heads != 4 || imp.Mode != "script" {
		t.Fatalf("result %d × %d, mode %s", imp.Layers, imp.Heads, imp.Mode)
	}
	golden.AssertClose(t, "importance", imp.Importance, &want.Importance, 1e-5)
	golden.AssertClose(t, "entropy", imp.Entropy, &want.Entropy, 1e-5)
	for i, r := range imp.Ranks {
		for j := range imp.Ranks {
			if imp.Importance[j] > imp.Importance[i] && imp.Ranks[j] > r {
				t.Errorf("head %d ranks %d, below head %d (%d) of lower importance", j, imp.Ranks[j], i, r)
			}
		}
	}
	if last := reports[len(reports)-1]; last != (protocol.Progress{Phase: "importance", Done: 12, Total: 12}) {
		t.Errorf("last progress %+v", last)
	}

	// The metrics are those of the model's own predictions, one sentence at a time.
	lines := strings.Split(strings.TrimSpace(string(sst2(t))), "\n")[1:]
	correct := 0
	for _, line := range lines {
		text, label, _ := strings.Cut(line, "\t")
		out := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: text})
		if strconv.Itoa(bertology.Argmax(out.Logits.Data, 1)[0]) == label {
			correct++
		}
	}
	ev := imp.Evaluation
	if ev.Metric != "acc" || ev.Examples != 12 || ev.Metrics["acc"] == nil || *ev.Metrics["acc"] != float64(correct)/12 {
		t.Errorf("evaluation %+v, want acc %d/12", ev, correct)
	}
	if ev.Metrics["loss"] == nil || !(*ev.Metrics["loss"] > 0) {
		t.Errorf("loss %v", ev.Metrics["loss"])
	}

	// evaluate agrees with importance's metrics, and masking every head changes them.
	again := call[protocol.Evaluation](t, l, protocol.OpEvaluate, &protocol.EvaluateRequest{})
	if *again.Metrics["acc"] != *ev.Metrics["acc"] || *again.Metrics["loss"] != *ev.Metrics["loss"] {
		t.Errorf("evaluate %v, importance %v", again.Metrics, ev.Metrics)
	}
	none := call[protocol.Evaluation](t, l, protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: make([]float32, 12)})
	if *none.Metrics["loss"] == *ev.Metrics["loss"] {
		t.Errorf("masking every head leaves the loss at %v", *none.Metrics["loss"])
	}
}

// maskingRound matches the script's log of one round of the masking loop.
var maskingRound = regexp.MustCompile(`Masking: current score: ([0-9.]+), remaining heads (\d+)`)

func TestMaskingLoopMatchesRunBertology(t *testing.T) {
	for _, tt := range []struct {
		run       string
		batchSize int
	}{
		{"patched_masking_t0.75", 4},
		{"patched_masking_t0.75_bs1", 1},
	} {
		t.Run(tt.run, func(t *testing.T) {
			l := loadSST2(t)
			call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: tt.batchSize, Mode: "script"})
			res := call[protocol.MaskingResult](t, l, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.75, Amount: 0.1})
			want := scriptResults(t)[tt.run]
			golden.AssertClose(t, "final mask", res.FinalMask, want.Mask, 0)
			rounds := scriptLog(t, tt.run, maskingRound)
			if len(res.Rounds) != len(rounds) {
				t.Fatalf("%d rounds, the script ran %d", len(res.Rounds), len(rounds))
			}
			for i, r := range rounds {
				score, _ := strconv.ParseFloat(r[1], 64)
				remaining, _ := strconv.Atoi(r[2])
				got := res.Rounds[i]
				if math.Abs(*got.Score-score) > 1e-6 || got.Remaining != remaining || got.Fraction != float64(12-remaining)/12 {
					t.Errorf("round %d: %+v, script: score %v, %d heads left", i+1, got, score, remaining)
				}
			}
			if res.Metric != "acc" || *res.Threshold != 0.75**res.OriginalScore || !strings.Contains(res.Ended, "fell below") {
				t.Errorf("metric %s, threshold %v of %v, ended %q", res.Metric, *res.Threshold, *res.OriginalScore, res.Ended)
			}
			npyFiles := call[protocol.ExportedFiles](t, l, protocol.OpExportNpy, &protocol.ExportNpyRequest{What: "mask"})
			shape, data, err := npy.Read(bytes.NewReader(npyFiles.Files["head_mask.npy"]))
			if err != nil || len(shape) != 2 || shape[0] != 3 || shape[1] != 4 {
				t.Fatalf("head_mask.npy: shape %v, %v", shape, err)
			}
			golden.AssertClose(t, "head_mask.npy", data, want.Mask, 0)
		})
	}
}

// pruneReport matches the script's report of pruning.
var pruneReport = regexp.MustCompile(`original num of params: ([0-9.e+]+), after pruning ([0-9.e+]+)|score with masking: ([0-9.]+) score with pruning: ([0-9.]+)`)

func TestPruneAsRunBertology(t *testing.T) {
	const run = "patched_masking_t0.75"
	l := loadSST2(t)
	original := call[protocol.ModelInfo](t, l, protocol.OpModelInfo, nil)
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 4, Mode: "script"})
	mask := scriptResults(t)[run].Mask.F32()
	masked := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: "this film is terrible", HeadMask: mask})

	res := call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{HeadMask: mask})
	report := scriptLog(t, run, pruneReport)
	if len(report) != 2 {
		t.Fatalf("the script's log reports %q", report)
	}
	params := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	for _, c := range []struct {
		what      string
		got, want float64
		tol       float64
	}{
		{"params before", float64(res.ParamsBefore), params(report[0][1]), 0.005e4},
		{"params after", float64(res.ParamsAfter), params(report[0][2]), 0.005e4},
		{"acc masked", *res.Before.Metrics["acc"], params(report[1][3]), 1e-6},
		{"acc pruned", *res.After.Metrics["acc"], params(report[1][4]), 1e-6},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: %v, the script %v", c.what, c.got, c.want)
		}
	}
	if res.ParamsBefore != original.Params || res.Model.Params != res.ParamsAfter {
		t.Errorf("params %d → %d, model info says %d → %d", res.ParamsBefore, res.ParamsAfter, original.Params, res.Model.Params)
	}
	wantPruned := map[string][]int{"1": {1, 2}, "2": {1, 2, 3}}
	if !equalHeads(res.Pruned, wantPruned) || !equalInts(res.Model.HeadsPerLayer, []int{4, 2, 1}) {
		t.Errorf("pruned %v, heads per layer %v", res.Pruned, res.Model.HeadsPerLayer)
	}
	if kept := res.Model.KeptHeads; len(kept) != 3 || !equalInts(kept[0], []int{0, 1, 2, 3}) || !equalInts(kept[1], []int{0, 3}) || !equalInts(kept[2], []int{0}) {
		t.Errorf("kept heads %v, want the original numbers [[0 1 2 3] [0 3] [0]]", kept)
	}
	if !(res.SecondsPerExampleBefore > 0 && res.SecondsPerExampleAfter > 0) {
		t.Errorf("time per example %v → %v", res.SecondsPerExampleBefore, res.SecondsPerExampleAfter)
	}

	// The pruned model is now the loaded one: it computes what the masked model did.
	pruned := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: "this film is terrible"})
	assertLogits(t, "pruned", pruned.Logits.Data, masked.Logits.Data)

	// Its export loads back, in another lab, as the same model.
	exported := call[protocol.ExportedFiles](t, l, protocol.OpExportModel, &protocol.ExportModelRequest{})
	var cfg struct {
		PrunedHeads map[string][]int `json:"pruned_heads"`
	}
	if err := json.Unmarshal(exported.Files["config.json"], &cfg); err != nil || !equalHeads(cfg.PrunedHeads, wantPruned) {
		t.Errorf("config.json pruned_heads %v (%v)", cfg.PrunedHeads, err)
	}
	if exported.Files["vocab.txt"] == nil || exported.Files["model.safetensors"] == nil {
		t.Errorf("exported files %v", keys(exported.Files))
	}
	other := New()
	info := call[protocol.ModelInfo](t, other, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: exported.Files})
	if info.Params != res.ParamsAfter {
		t.Errorf("the export loads with %d params, want %d", info.Params, res.ParamsAfter)
	}
	reloaded := call[protocol.ForwardResult](t, other, protocol.OpForward, &protocol.ForwardRequest{Text: "this film is terrible"})
	assertLogits(t, "reloaded", reloaded.Logits.Data, masked.Logits.Data)

	// Half-precision export halves the weights.
	half := call[protocol.ExportedFiles](t, l, protocol.OpExportModel, &protocol.ExportModelRequest{DType: "F16"})
	if n, n32 := len(half.Files["model.safetensors"]), len(exported.Files["model.safetensors"]); n >= n32*3/5 {
		t.Errorf("F16 weights take %d bytes, F32 %d", n, n32)
	}

	// restoreModel brings the original back; evaluation still works on it.
	restored := call[protocol.ModelInfo](t, l, protocol.OpRestoreModel, nil)
	if restored.Params != original.Params || !equalInts(restored.HeadsPerLayer, []int{4, 4, 4}) {
		t.Errorf("restored %+v", restored)
	}
	ev := call[protocol.Evaluation](t, l, protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask})
	if *ev.Metrics["acc"] != *res.Before.Metrics["acc"] {
		t.Errorf("after restoring, masked acc %v, want %v", *ev.Metrics["acc"], *res.Before.Metrics["acc"])
	}
	if _, err := callErr(l, context.Background(), protocol.OpRestoreModel, nil, nil); err == nil || !strings.Contains(err.Error(), "nothing to restore") {
		t.Errorf("restoring twice: %v", err)
	}
}

func TestPruneByHeads(t *testing.T) {
	l := loadSST2(t)
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{})
	res := call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1}, "2": {3, 0}}})
	// testdata/golden/bert prunes the same heads; its parameter count is in the golden.
	var g struct {
		Pruned struct {
			Before int `json:"num_params_before"`
			After  int `json:"num_params_after"`
		} `json:"pruned"`
	}
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	if res.ParamsBefore != g.Pruned.Before || res.ParamsAfter != g.Pruned.After || !equalInts(res.Model.HeadsPerLayer, []int{3, 4, 2}) {
		t.Errorf("%d → %d params, heads per layer %v; transformers has %d → %d params",
			res.ParamsBefore, res.ParamsAfter, res.Model.HeadsPerLayer, g.Pruned.Before, g.Pruned.After)
	}
	// A second prune works on the pruned model, in the original head numbering.
	res = call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1, 2}}})
	if !equalInts(res.Model.HeadsPerLayer, []int{2, 4, 2}) {
		t.Errorf("after a second prune, heads per layer %v", res.Model.HeadsPerLayer)
	}
	restored := call[protocol.ModelInfo](t, l, protocol.OpRestoreModel, nil)
	if !equalInts(restored.HeadsPerLayer, []int{4, 4, 4}) {
		t.Errorf("restored heads per layer %v, want the model before the first prune", restored.HeadsPerLayer)
	}
}

func TestExportNpy(t *testing.T) {
	l := loadSST2(t)
	imp := call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{BatchSize: 3, NormalizeGlobal: new(bool)})
	for _, tt := range []struct {
		what, name string
		want       []float32
	}{
		{"importance", "head_importance.npy", imp.Importance},
		{"entropy", "attn_entropy.npy", imp.Entropy},
		{"mask", "head_mask.npy", []float32{1, 0, 1, 1, 1, 1, 1, 1, 0.5, 1, 1, 1}},
	} {
		files := call[protocol.ExportedFiles](t, l, protocol.OpExportNpy, &protocol.ExportNpyRequest{What: tt.what, HeadMask: tt.want})
		shape, data, err := npy.Read(bytes.NewReader(files.Files[tt.name]))
		if err != nil || !equalInts(shape, []int{3, 4}) || !equalFloats(data, tt.want) || len(files.Files) != 1 {
			t.Errorf("%s: files %v, shape %v, data %v, %v", tt.what, keys(files.Files), shape, data, err)
		}
	}
	// Without global normalisation the importance is not scaled to [0, 1]: each layer has norm 1.
	for layer := range 3 {
		s := 0.0
		for _, v := range imp.Importance[4*layer : 4*layer+4] {
			s += float64(v) * float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("layer %d: squared norm %v, want 1", layer, s)
		}
	}
}

func TestLanguageModelData(t *testing.T) {
	for _, arch := range []string{"gpt2", "bert-mlm"} {
		t.Run(arch, func(t *testing.T) {
			l := New()
			call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: readModel(t, arch)})
			text := "the quick brown fox\n\nhello world !\r\nthis movie is great\n"
			info := call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "wiki.txt", Bytes: []byte(text)})
			if info.Task != "lm" || info.Count != 3 || info.Metric != "perplexity" || info.Preview[1].TextA != "hello world !" {
				t.Fatalf("data set %+v", info)
			}
			imp := call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{BatchSize: 2})
			ev := imp.Evaluation
			loss, ppl := ev.Metrics["loss"], ev.Metrics["perplexity"]
			if ev.Metric != "perplexity" || loss == nil || ppl == nil || math.Abs(*ppl-math.Exp(*loss)) > 1e-9*(*ppl) {
				t.Errorf("evaluation %+v", ev)
			}
			res := call[protocol.MaskingResult](t, l, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.5, Amount: 0.25})
			if res.Metric != "1/perplexity" || math.Abs(*res.OriginalScore-1/(*ppl)) > 1e-9 || len(res.Rounds) == 0 || len(res.FinalMask) != 12 {
				t.Errorf("masking %+v", res)
			}
		})
	}
}

// NaN metrics travel as empty values, which JSON writes as null.
func TestUndefinedMetric(t *testing.T) {
	e := &evaluation{task: mustTask(t, "sts-b"), examples: 3, batches: []*model.Batch{{Size: 3, Targets: []float32{1, 2, 3}}}}
	ev, err := e.evaluationOf(&bertology.Importance{Logits: []float32{0.5, 0.5, 0.5}, Loss: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(protocol.Encode(ev))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"pearson":null`) || !strings.Contains(string(b), `"loss":1`) {
		t.Errorf("JSON %s", b)
	}
}

func TestWorkflowErrors(t *testing.T) {
	bad := strings.Replace(string(sst2(t)), "i hate the actor\t0", "i hate the actor\tpositive", 1)
	tests := []struct {
		name  string
		setup func(t *testing.T) *Lab
		op    string
		req   any
		want  string
	}{
		{"detected task, bad label", loadBERT, protocol.OpLoadDataset,
			&protocol.LoadDatasetRequest{Name: "dev.tsv", Bytes: []byte(bad)},
			"loadDataset: glue: dev.tsv fits no GLUE task's columns (its first row has 2 columns: \"sentence\", \"label\"); read as SST-2, the closest fit: line 7: "},
		{"chosen task, bad label", loadBERT, protocol.OpLoadDataset,
			&protocol.LoadDatasetRequest{Name: "dev.tsv", Bytes: []byte(bad), Task: "sst-2"},
			"loadDataset: dev.tsv as SST-2: line 7: "},
		{"unknown task", loadBERT, protocol.OpLoadDataset,
			&protocol.LoadDatasetRequest{Name: "dev.tsv", Bytes: sst2(t), Task: "sst-3"}, "loadDataset: "},
		{"empty text", loadBERT, protocol.OpLoadDataset,
			&protocol.LoadDatasetRequest{Name: "a.txt", Bytes: []byte("\n \n")}, "loadDataset: a.txt: glue: the text has no lines that are not blank"},
		{"no data", loadBERT, protocol.OpImportance, &protocol.ImportanceRequest{}, "importance: no data set is loaded: send loadDataset first"},
		{"text for a classifier", func(t *testing.T) *Lab {
			l := loadBERT(t)
			call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "a.txt", Bytes: []byte("hello world")})
			return l
		}, protocol.OpImportance, &protocol.ImportanceRequest{}, "importance: plain text needs a language-model head to score it; the model is BertForSequenceClassification"},
		{"wrong labels", func(t *testing.T) *Lab {
			l := loadBERT(t)
			row := "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\ta dog runs\ta dog is running\t4.5\n"
			call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "dev.tsv", Bytes: []byte(row), Task: "sts-b"})
			return l
		}, protocol.OpImportance, &protocol.ImportanceRequest{}, "importance: the model has 2 labels, STS-B has 1"},
		{"too long", loadSST2, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 65}, "importance: maxSeqLength 65 is longer than the model's 64 positions"},
		{"bad mode", loadSST2, protocol.OpImportance, &protocol.ImportanceRequest{Mode: "fast"}, `importance: importance mode "fast"`},
		{"bad mask", loadSST2, protocol.OpImportance, &protocol.ImportanceRequest{HeadMask: []float32{1}}, "importance: bertology: head mask has 1 values"},
		{"evaluate first", loadSST2, protocol.OpEvaluate, &protocol.EvaluateRequest{}, "evaluate: compute importance first"},
		{"masking first", loadSST2, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{}, "maskingLoop: compute importance first"},
		{"bad metric", importanceDone, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Metric: "f1"}, `maskingLoop: metric "f1": SST-2 reports acc`},
		{"bad threshold", importanceDone, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 1.5}, "maskingLoop: threshold is 1.5"},
		{"nothing to prune", importanceDone, protocol.OpPrune, &protocol.PruneRequest{HeadMask: ones(12)}, "prune: no heads to prune"},
		{"no such head", importanceDone, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"1": {4}}}, "prune: heads.1: layer 1 has no head 4 (0 to 3)"},
		{"no such layer", importanceDone, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"x": {0}}}, `prune: heads: "x" is not a layer (0 to 2)`},
		{"no mask to export", importanceDone, protocol.OpExportNpy, &protocol.ExportNpyRequest{What: "mask"}, "exportNpy: no head mask"},
		{"bad npy", importanceDone, protocol.OpExportNpy, &protocol.ExportNpyRequest{What: "ranks"}, `exportNpy: what is "ranks"`},
		{"bad dtype", importanceDone, protocol.OpExportModel, &protocol.ExportModelRequest{DType: "F8"}, "exportModel: checkpoint: dtype \"F8\""},
		{"nothing to restore", loadBERT, protocol.OpRestoreModel, nil, "restoreModel: the loaded model has not been pruned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.setup(t)
			_, err := callErr(l, context.Background(), tt.op, tt.req, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want one starting %q", err, tt.want)
			}
		})
	}
}

func importanceDone(t *testing.T) *Lab {
	t.Helper()
	l := loadSST2(t)
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{BatchSize: 4})
	return l
}

// A new model or data set drops what was computed for the old ones.
func TestWorkflowFollowsTheModel(t *testing.T) {
	l := importanceDone(t)
	call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: readModel(t, "bert")})
	if _, err := callErr(l, context.Background(), protocol.OpEvaluate, &protocol.EvaluateRequest{}, nil); err == nil || !strings.Contains(err.Error(), "compute importance first") {
		t.Errorf("evaluate on a new model: %v", err)
	}
	// The data set stays.
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{Subset: 5})
	ev := call[protocol.Evaluation](t, l, protocol.OpEvaluate, &protocol.EvaluateRequest{})
	if ev.Examples != 5 {
		t.Errorf("%d examples evaluated, want the subset of 5", ev.Examples)
	}
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "dev.tsv", Bytes: sst2(t), Task: "SST-2"})
	if _, err := callErr(l, context.Background(), protocol.OpEvaluate, &protocol.EvaluateRequest{}, nil); err == nil {
		t.Error("evaluate after a new data set: no error")
	}
}

func TestImportanceCancelled(t *testing.T) {
	l := loadSST2(t)
	ctx, cancel := context.WithCancel(context.Background())
	reports := 0
	_, err := callErr(l, ctx, protocol.OpImportance, &protocol.ImportanceRequest{}, func(p protocol.Progress) {
		if p.Phase == "importance" {
			reports++
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || reports != 1 {
		t.Errorf("error %v after %d reports, want context.Canceled after 1", err, reports)
	}
	// Nothing was kept, and the lab works on.
	if _, err := callErr(l, context.Background(), protocol.OpEvaluate, &protocol.EvaluateRequest{}, nil); err == nil {
		t.Error("a cancelled importance left batches behind")
	}
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{})
}

func mustTask(t *testing.T, name string) *glue.Task {
	t.Helper()
	task, err := glue.LookupTask(name)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func assertLogits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	golden.AssertClose(t, what+" logits", got, &golden.Tensor{Shape: []int{len(want)}, Data: f64.FromFloat32(want)}, 1e-5)
}

func equalHeads(a, b map[string][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !equalInts(v, b[k]) {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func ones(n int) []float32 {
	m := make([]float32, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

// TestExportZip exports the session after importance and a masking loop: the zip holds the model's
// directory, the three .npy files of run_bertology.py and report.json, each as the other ops give it.
func TestExportZip(t *testing.T) {
	l := loadSST2(t)
	imp := call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{BatchSize: 3})
	masking := call[protocol.MaskingResult](t, l, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.9, Amount: 0.25})
	out := call[protocol.ExportedFiles](t, l, protocol.OpExportZip, &protocol.ExportZipRequest{})
	zr, err := zip.NewReader(bytes.NewReader(out.Files[protocol.ExportZipName]), int64(len(out.Files[protocol.ExportZipName])))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
	}
	want := []string{"attn_entropy.npy", "head_importance.npy", "head_mask.npy"}
	model := call[protocol.ExportedFiles](t, l, protocol.OpExportModel, &protocol.ExportModelRequest{})
	for name, data := range model.Files {
		want = append(want, "model/"+name)
		if !bytes.Equal(got["model/"+name], data) {
			t.Errorf("model/%s differs from exportModel's", name)
		}
	}
	want = append(want, "report.json")
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("entries %v, want %v", names, want)
	}
	for name, values := range map[string][]float32{"head_importance.npy": imp.Importance, "attn_entropy.npy": imp.Entropy, "head_mask.npy": masking.FinalMask} {
		shape, data, err := npy.Read(bytes.NewReader(got[name]))
		if err != nil || !equalInts(shape, []int{3, 4}) || !equalFloats(data, values) {
			t.Errorf("%s: shape %v, data %v, want %v (%v)", name, shape, data, values, err)
		}
	}
	var rep struct {
		Session struct {
			Model   struct{ Layers int }
			Dataset struct{ Name string }
		}
		Importance []float32
		HeadMask   []float32
		Evaluation struct{ Metric string }
	}
	if err := json.Unmarshal(got["report.json"], &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Session.Model.Layers != 3 || rep.Session.Dataset.Name != "SST-2/dev.tsv" || !equalFloats(rep.Importance, imp.Importance) ||
		!equalFloats(rep.HeadMask, masking.FinalMask) || rep.Evaluation.Metric != "acc" {
		t.Errorf("report.json %s", got["report.json"])
	}
}
