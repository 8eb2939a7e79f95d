package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"bertology/core/glue"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Workflow is run_bertology.py on the page: a data set, head importance and attention entropy over it,
// heads masked by hand or by the masking loop, and pruning. Its three panels (dataset-panel.vugu,
// importance-panel.vugu, pruning-panel.vugu) show it. The mask it holds also applies to the prediction
// of the input panel, so that masking a head shows what it changes there.
type Workflow struct {
	page *Root
	workflowData
	workflowSettings

	// What was computed with the model: all of it goes when another model is loaded.
	importance *protocol.ImportanceResult
	mask       []float32            // [layers × heads]: 1 keeps a head, 0 masks it; nil before importance
	evaluation *protocol.Evaluation // with the mask
	pruned     []bool               // heads gone from the weights, [layers × heads]
	masking    *protocol.MaskingResult
	pruning    *protocol.PruneResult
	exported   map[string][]byte // the model's files, once exported

	importanceSVG, entropySVG, curveSVG string

	lastReport time.Time // when progress was last shown
}

// workflowData is the data file and what the lab read from it, kept to read it again as another task.
type workflowData struct {
	fileName string
	fileData []byte
	task     string // the task chosen, or "" to detect it
	dataset  *protocol.DatasetInfo
}

// workflowSettings are the fields of the panels' forms, as typed.
type workflowSettings struct {
	maxSeqLength, batchSize, subset, mode string
	byLayer, global                       bool
	threshold, amount, metric, dtype      string
}

// Defaults of the settings, as run_bertology.py has them.
const (
	defaultMaxSeqLength = 128
	defaultBatchSize    = "1"
	defaultThreshold    = "0.9"
	defaultAmount       = "0.1"
)

// progressEvery is how often progress is shown: more often would only cost the page renders.
const progressEvery = 50 * time.Millisecond

func newWorkflow(page *Root) *Workflow {
	return &Workflow{page: page, workflowSettings: workflowSettings{byLayer: true, global: true, dtype: "F32"}}
}

// fileReader, fileSaver: what the workflow needs from a host besides Host, which the browser's host
// has (workflow_js.go). Without them the data file and the downloads are unavailable.
type (
	fileReader interface {
		// ReadFile reads the first file picked in the file input element input.
		ReadFile(input js.Value) (name string, data []byte, err error)
	}
	fileSaver interface {
		// SaveFile offers data for download as name.
		SaveFile(name string, data []byte) error
	}
)

// modelChanged forgets everything computed for the model before; the data set and the settings stay.
func (w *Workflow) modelChanged() {
	*w = Workflow{page: w.page, workflowData: w.workflowData, workflowSettings: w.workflowSettings}
}

// headMask is the mask for the model's forward pass: nil when every head is on.
func (w *Workflow) headMask() []float32 {
	for _, v := range w.mask {
		if v != 1 {
			return append([]float32(nil), w.mask...)
		}
	}
	return nil
}

// report shows the lab's progress, at most every progressEvery and always at the end of a phase.
func (w *Workflow) report(p protocol.Progress) {
	now := time.Now()
	if p.Done < p.Total && now.Sub(w.lastReport) < progressEvery {
		return
	}
	w.lastReport = now
	w.page.report(p)
}

// call sends one request to the lab.
func (w *Workflow) call(op string, req, result any) error {
	return w.page.Host.Call(op, req, result, w.report)
}

// The data set.

// PickDataset loads the data file picked in the dataset panel's file input.
func (w *Workflow) PickDataset(event vugu.DOMEvent) {
	input := event.JSEventTarget()
	reader, ok := w.page.Host.(fileReader)
	if !ok {
		w.page.err = "reading a data file needs the browser"
		return
	}
	if input.Get("files").Length() == 0 {
		return // the picker was closed without a choice
	}
	w.page.do("Reading the data file", func() (func(), error) {
		name, data, err := reader.ReadFile(input)
		input.Set("value", "") // picking the same file again reads it again
		if err != nil {
			return nil, err
		}
		return w.readDataset(name, data, "")
	})
}

// LoadDataset loads a data file as the named task ("" detects it, "lm" is plain text).
func (w *Workflow) LoadDataset(name string, data []byte, task string) {
	w.page.do("Reading "+name, func() (func(), error) { return w.readDataset(name, data, task) })
}

// readDataset sends a data file to the lab; it runs on the worker goroutine.
func (w *Workflow) readDataset(name string, data []byte, task string) (func(), error) {
	var info protocol.DatasetInfo
	if err := w.call(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: name, Bytes: data, Task: task}, &info); err != nil {
		return nil, err
	}
	return func() {
		w.fileName, w.fileData, w.task, w.dataset = name, data, task, &info
		w.importance, w.masking, w.evaluation = nil, nil, nil
		w.importanceSVG, w.entropySVG, w.curveSVG = "", "", ""
		// The heatmaps that showed the mask are gone with the old data: so is the mask.
		if w.unmask() {
			w.page.do("Running the model with every head", func() (func(), error) {
				result, err := w.page.forward()
				return func() { w.page.showResult(result, err) }, nil
			})
		}
	}, nil
}

// ChooseTask reads the data file again as the task chosen in the task selector.
func (w *Workflow) ChooseTask(event vugu.DOMEvent) {
	task := event.PropString("target", "value")
	if w.fileData == nil || task == w.task {
		return
	}
	w.LoadDataset(w.fileName, w.fileData, task)
}

// taskChoice is one entry of the task selector.
type taskChoice struct{ name, title string }

// taskChoices are the tasks a data file can be read as.
func taskChoices() []taskChoice {
	choices := []taskChoice{{"", "detect"}}
	for _, t := range glue.Tasks() {
		choices = append(choices, taskChoice{t.Name, t.Title})
	}
	return append(choices, taskChoice{"lm", "plain text (language model)"})
}

// Importance.

// RunImportance computes head importance and attention entropy over the data set.
func (w *Workflow) RunImportance(event vugu.DOMEvent) {
	event.PreventDefault()
	p := w.page
	switch {
	case p.info == nil:
		p.err = "load a model first"
		return
	case w.dataset == nil:
		p.err = "load a data file first"
		return
	}
	req, err := w.importanceRequest()
	if err != nil {
		p.err = err.Error()
		return
	}
	p.do("Computing head importance", func() (func(), error) {
		var res protocol.ImportanceResult
		if err := w.call(protocol.OpImportance, req, &res); err != nil {
			return nil, err
		}
		return func() {
			w.importance, w.evaluation, w.masking, w.curveSVG = &res, &res.Evaluation, nil, ""
			if w.pruned == nil {
				w.pruned = make([]bool, res.Layers*res.Heads)
			}
			w.mask = make([]float32, len(w.pruned))
			w.unmask()
			if _, ok := res.Evaluation.Metrics[w.metric]; !ok {
				w.metric = ""
			}
			w.drawHeads()
		}, nil
	})
}

func (w *Workflow) importanceRequest() (*protocol.ImportanceRequest, error) {
	req := &protocol.ImportanceRequest{Mode: w.mode}
	var err error
	if req.MaxSeqLength, err = parseInt("tokens per example", orDefault(w.maxSeqLength, w.defaultMaxLen())); err != nil {
		return nil, err
	}
	if req.BatchSize, err = parseInt("batch size", orDefault(w.batchSize, defaultBatchSize)); err != nil {
		return nil, err
	}
	if req.Subset, err = parseInt("examples", w.subset); err != nil {
		return nil, err
	}
	byLayer, global := w.byLayer, w.global
	req.NormalizeByLayer, req.NormalizeGlobal = &byLayer, &global
	return req, nil
}

// defaultMaxLen is run_bertology.py's --max_seq_length, or the model's positions if fewer.
func (w *Workflow) defaultMaxLen() string {
	n := defaultMaxSeqLength
	if w.page.info != nil {
		n = min(n, w.page.info.MaxPositions)
	}
	return strconv.Itoa(n)
}

// SetMode follows the importance mode selector.
func (w *Workflow) SetMode(event vugu.DOMEvent) { w.mode = event.PropString("target", "value") }

// drawHeads draws the importance and entropy heatmaps with the mask.
func (w *Workflow) drawHeads() {
	imp := w.importance
	masked := make([]bool, len(w.mask))
	for i, v := range w.mask {
		masked[i] = v == 0
	}
	w.importanceSVG = w.page.draw(&chart.HeadMap{Title: "Head importance", Quantity: "importance",
		Layers: imp.Layers, Heads: imp.Heads, Values: imp.Importance, Masked: masked, Pruned: w.pruned})
	w.entropySVG = w.page.draw(&chart.HeadMap{Title: "Attention entropy (nats)", Quantity: "entropy",
		Layers: imp.Layers, Heads: imp.Heads, Values: imp.Entropy, Masked: masked, Pruned: w.pruned})
}

// ClickHead masks the head whose cell was clicked in a heatmap, or unmasks it, and evaluates the
// model and the input again with the new mask.
func (w *Workflow) ClickHead(event vugu.DOMEvent) {
	cell := event.JSEventTarget().Call("closest", "g.cell")
	if !cell.Truthy() || w.importance == nil || w.page.busy != "" {
		return
	}
	var l, h int
	if _, err := fmt.Sscan(cell.Call("getAttribute", "data-layer").String()+" "+cell.Call("getAttribute", "data-head").String(), &l, &h); err != nil {
		return
	}
	w.ToggleHead(l, h)
}

// ToggleHead masks or unmasks one head (not a pruned one: it is gone) and evaluates again.
func (w *Workflow) ToggleHead(l, h int) {
	imp := w.importance
	if imp == nil || l < 0 || l >= imp.Layers || h < 0 || h >= imp.Heads {
		return
	}
	i := l*imp.Heads + h
	if w.pruned[i] {
		w.page.err = fmt.Sprintf("head %d of layer %d is pruned: restore the model to bring it back", h, l)
		return
	}
	w.mask[i] = 1 - w.mask[i]
	w.applyMask("Evaluating with the new mask")
}

// UnmaskAll brings back every head that is not pruned.
func (w *Workflow) UnmaskAll() {
	w.unmask()
	w.applyMask("Evaluating with every head")
}

// unmask brings back every head that is not pruned, and reports whether any was masked.
func (w *Workflow) unmask() bool {
	changed := false
	for i, v := range w.mask {
		if v != 1 && !w.pruned[i] {
			w.mask[i], changed = 1, true
		}
	}
	return changed
}

// applyMask redraws the heatmaps and evaluates the model on the data and on the input with the mask.
func (w *Workflow) applyMask(what string) {
	w.drawHeads()
	mask := w.headMask()
	w.page.do(what, func() (func(), error) {
		var ev protocol.Evaluation
		if err := w.call(protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask}, &ev); err != nil {
			return nil, err
		}
		result, err := w.page.forward()
		return func() {
			w.evaluation = &ev
			w.page.showResult(result, err)
		}, nil
	})
}

// maskedCount is how many heads the mask silences (pruned ones included).
func (w *Workflow) maskedCount() int { return countZeros(w.mask) }

// metricText says how the model does with the mask, and with every head for comparison.
func (w *Workflow) metricText() string {
	if w.evaluation == nil || w.importance == nil {
		return ""
	}
	name := w.evaluation.Metric
	return fmt.Sprintf("%s %s", name, metricValue(w.evaluation.Metrics[name]))
}

// baselineText is the main metric with every head, as importance found it.
func (w *Workflow) baselineText() string {
	ev := w.importance.Evaluation
	return fmt.Sprintf("with every head: %s %s", ev.Metric, metricValue(ev.Metrics[ev.Metric]))
}

// metricValue writes a metric, or says it is not defined.
func metricValue(v *float64) string {
	if v == nil {
		return "undefined"
	}
	return fmt.Sprintf("%.4f", *v)
}

// The masking loop.

// metricChoices are the metrics the masking loop can watch: the data's, but not its loss.
func (w *Workflow) metricChoices() []string {
	var names []string
	if w.importance != nil && w.dataset.Task != "lm" {
		for name := range w.importance.Evaluation.Metrics {
			if name != "loss" {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// RunMasking runs the masking loop, draws its curve, and takes its final mask.
func (w *Workflow) RunMasking(event vugu.DOMEvent) {
	event.PreventDefault()
	p := w.page
	if w.importance == nil {
		p.err = "compute importance first"
		return
	}
	req := &protocol.MaskingLoopRequest{Metric: w.metric, Mode: w.mode}
	var err error
	if req.Threshold, err = parseFloat("threshold", orDefault(w.threshold, defaultThreshold), 0.01, 0.99); err != nil {
		p.err = err.Error()
		return
	}
	if req.Amount, err = parseFloat("amount", orDefault(w.amount, defaultAmount), 0.001, 1); err != nil {
		p.err = err.Error()
		return
	}
	p.do("Running the masking loop", func() (func(), error) {
		var res protocol.MaskingResult
		if err := w.call(protocol.OpMaskingLoop, req, &res); err != nil {
			return nil, err
		}
		mask := append([]float32(nil), res.FinalMask...)
		var ev protocol.Evaluation
		if err := w.call(protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask}, &ev); err != nil {
			return nil, err
		}
		// The input panel's prediction follows the new mask.
		p.Env.Lock()
		w.mask = mask
		p.Env.UnlockRender()
		result, err := p.forward()
		return func() {
			w.masking, w.evaluation = &res, &ev
			w.drawHeads()
			w.drawCurve()
			p.showResult(result, err)
		}, nil
	})
}

// drawCurve draws the metric against the share of heads masked, from every head on to the round that
// fell below the threshold, with the threshold as a reference line.
func (w *Workflow) drawCurve() {
	m := w.masking
	ticks := []string{"0%"}
	values := []float64{undefinedAsNaN(m.OriginalScore)}
	for _, r := range m.Rounds {
		ticks = append(ticks, fmt.Sprintf("%.0f%%", 100*r.Fraction))
		values = append(values, undefinedAsNaN(r.Score))
	}
	lo, hi := 0.0, 1.0
	for _, v := range append([]float64{undefinedAsNaN(m.Threshold)}, values...) {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	c := &chart.LineChart{
		Title: "Masking curve", XLabel: "heads masked", YLabel: m.Metric, XTicks: ticks,
		Series:     []chart.Series{{Name: m.Metric, Colour: chart.HeadColor(0, 1), Values: values}},
		References: []chart.Reference{{Name: "threshold", Value: undefinedAsNaN(m.Threshold)}},
		YMin:       lo, YMax: hi, Width: max(240, 40*float64(len(ticks))), Height: 200,
	}
	w.curveSVG = w.page.draw(c)
}

func undefinedAsNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// Pruning.

// Prune removes the masked heads from the model's weights; the pruned model replaces the loaded one.
func (w *Workflow) Prune() {
	p := w.page
	if w.importance == nil || w.maskedCount() == 0 {
		p.err = "mask some heads first: click them in a heatmap, or run the masking loop"
		return
	}
	mask := append([]float32(nil), w.mask...)
	p.do("Pruning", func() (func(), error) {
		var res protocol.PruneResult
		if err := w.call(protocol.OpPrune, &protocol.PruneRequest{HeadMask: mask}, &res); err != nil {
			return nil, err
		}
		result, err := p.forward()
		return func() {
			w.pruning, w.exported = &res, nil
			for i, v := range mask {
				if v == 0 {
					w.pruned[i] = true
				}
			}
			w.drawHeads()
			p.info = &res.Model
			p.showResult(result, err)
		}, nil
	})
}

// Restore brings back the model as it was before pruning.
func (w *Workflow) Restore() {
	p := w.page
	p.do("Restoring the model", func() (func(), error) {
		var info protocol.ModelInfo
		if err := w.call(protocol.OpRestoreModel, nil, &info); err != nil {
			return nil, err
		}
		result, err := p.forward()
		return func() {
			w.pruning, w.exported = nil, nil
			w.pruned = make([]bool, len(w.pruned))
			p.info = &info
			if w.importance != nil {
				w.drawHeads()
			}
			p.showResult(result, err)
		}, nil
	})
}

// prunedCount is how many heads are gone from the weights.
func (w *Workflow) prunedCount() int {
	n := 0
	for _, gone := range w.pruned {
		if gone {
			n++
		}
	}
	return n
}

// Export and downloads.

// ExportModel encodes the loaded model's files, pruned or not, for download.
func (w *Workflow) ExportModel() {
	dtype := w.dtype
	w.page.do("Exporting the model", func() (func(), error) {
		var files protocol.ExportedFiles
		if err := w.call(protocol.OpExportModel, &protocol.ExportModelRequest{DType: dtype}, &files); err != nil {
			return nil, err
		}
		return func() { w.exported = files.Files }, nil
	})
}

// SetDType follows the export's weight type selector.
func (w *Workflow) SetDType(event vugu.DOMEvent) {
	w.dtype, w.exported = event.PropString("target", "value"), nil
}

// exportedNames are the exported files' names, sorted.
func (w *Workflow) exportedNames() []string {
	names := make([]string, 0, len(w.exported))
	for name := range w.exported {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// SaveExported offers one exported file for download.
func (w *Workflow) SaveExported(name string) { w.save(name, w.exported[name]) }

// SaveNpy asks the lab for importance, entropy or the mask as a .npy file and offers it for download.
func (w *Workflow) SaveNpy(what string) {
	req := &protocol.ExportNpyRequest{What: what}
	if what == "mask" {
		req.HeadMask = append([]float32(nil), w.mask...)
	}
	w.page.do("Encoding "+what, func() (func(), error) {
		var files protocol.ExportedFiles
		if err := w.call(protocol.OpExportNpy, req, &files); err != nil {
			return nil, err
		}
		for name, data := range files.Files {
			w.save(name, data)
		}
		return nil, nil
	})
}

// save offers a file for download, reporting a failure on the page. It may be called with the lock
// held or not, so it saves on its own goroutine.
func (w *Workflow) save(name string, data []byte) {
	go func() {
		err := errors.New("saving files needs the browser")
		if saver, ok := w.page.Host.(fileSaver); ok {
			err = saver.SaveFile(name, data)
		}
		if err != nil {
			w.page.update(func() { w.page.err = err.Error() })
		}
	}()
}

// sizeText writes a file size.
func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// countText writes a parameter count in full, with thin spaces between thousands.
func countText(n int) string {
	s := fmt.Sprint(n)
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, parts...), "\u2009")
}

// msText writes seconds as milliseconds.
func msText(s float64) string { return fmt.Sprintf("%.3f ms", 1000*s) }
