package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/vugu/vugu"

	"bertology/core/bertology"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// PruningPanel runs the masking loop and draws its curve, prunes the masked heads and exports the
// model (pruning-panel.vugu).
type PruningPanel struct {
	Page       page
	Files      files
	Heads      *headMask
	Importance *ImportancePanel
	Form       *ImportanceForm // its importance mode ranks the heads

	// The fields, as typed; empty shows the default.
	threshold, amount, metric, dtype string

	masking        *protocol.MaskingResult
	maskingOf      *protocol.ImportanceResult   // the importance the loop ran on: with another, it is stale
	maskingRequest *protocol.MaskingLoopRequest // the request masking answers, kept with the session
	curveSVG       string

	prunes [][]float32 // the masks pruned since the model loaded (or was restored), kept with the session

	result      *protocol.PruneResult // the last prune, while the model it pruned can be restored
	exported    map[string][]byte     // the model's files, once exported
	exportedFor *protocol.ModelInfo   // the model they hold
}

// The masking loop's fields while they are empty: run_bertology.py's defaults.
var (
	defaultThreshold = fieldText(bertology.DefaultMaskingThreshold)
	defaultAmount    = fieldText(bertology.DefaultMaskingAmount)
)

// sync follows the lab's session: the last prune's comparison goes with the model it pruned.
func (c *PruningPanel) sync(s *protocol.Session) {
	if !s.Restorable {
		c.result = nil
	}
}

// The masking loop.

// metricChoices are the metrics the masking loop can watch: the data's, but not its loss.
func (c *PruningPanel) metricChoices() []string {
	var names []string
	if ev := c.Importance.metrics(); ev != nil {
		for name := range ev.Metrics {
			if name != "loss" {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// chosenMetric is the metric chosen for the loop, or "" for the data's main one (also when the choice
// is not among the metrics of the data loaded now).
func (c *PruningPanel) chosenMetric() string {
	if slices.Contains(c.metricChoices(), c.metric) {
		return c.metric
	}
	return ""
}

// RunMasking runs the masking loop, draws its curve, and takes its final mask.
func (c *PruningPanel) RunMasking(event vugu.DOMEvent) {
	event.PreventDefault()
	imp := c.Importance.result
	if imp == nil {
		c.Page.fail("compute importance first")
		return
	}
	req := &protocol.MaskingLoopRequest{Metric: c.chosenMetric(), Mode: c.Form.mode}
	var err error
	if req.Threshold, err = parseFloat("threshold", orDefault(c.threshold, defaultThreshold), 0.01, 0.99); err != nil {
		c.Page.fail(err.Error())
		return
	}
	if req.Amount, err = parseFloat("amount", orDefault(c.amount, defaultAmount), 0.001, 1); err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.Page.do("Running the masking loop", func() (func(), error) { return c.mask(req, imp) })
}

// mask is RunMasking's job on the importance imp, also the session's restore's step (session.go).
func (c *PruningPanel) mask(req *protocol.MaskingLoopRequest, imp *protocol.ImportanceResult) (func(), error) {
	var res protocol.MaskingResult
	if err := c.Page.call(protocol.OpMaskingLoop, req, &res); err != nil {
		return nil, err
	}
	mask := append([]float32(nil), res.FinalMask...)
	var ev protocol.Evaluation
	if err := c.Page.call(protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask}, &ev); err != nil {
		return nil, err
	}
	// The input panel's prediction follows the new mask.
	c.Page.update(func() { c.Heads.set(mask) })
	show := c.Page.runInput()
	return func() {
		c.masking, c.maskingOf, c.maskingRequest = &res, imp, req
		c.Importance.masked(&ev)
		c.drawCurve()
		show()
	}, nil
}

// maskingShown reports whether the masking loop ran on the importance shown.
func (c *PruningPanel) maskingShown() bool {
	return c.masking != nil && c.maskingOf == c.Importance.result
}

// drawCurve draws the metric against the share of heads masked, from every head on to the round that
// fell below the threshold, with the threshold as a reference line.
func (c *PruningPanel) drawCurve() {
	m := c.masking
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
	c.curveSVG = svgOf(c.Page, &chart.LineChart{
		Title: "Masking curve", XLabel: "heads masked", YLabel: metricName(m.Metric), XTicks: ticks,
		Series:     []chart.Series{{Name: metricName(m.Metric), Colour: chart.HeadColor(0, 1), Values: values}},
		References: []chart.Reference{{Name: "threshold", Value: undefinedAsNaN(m.Threshold)}},
		YMin:       lo, YMax: hi, Width: max(240, 40*float64(len(ticks))), Height: 200,
	})
}

func undefinedAsNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func (c *PruningPanel) endedText() string {
	m := c.masking
	return fmt.Sprintf("%d rounds; %s %s with every head, %s with the final mask (%d heads masked). The loop ended because %s.",
		len(m.Rounds), metricName(m.Metric), metricValue(m.OriginalScore), metricValue(m.FinalScore), countZeros(m.FinalMask), m.Ended)
}

// Pruning.

// Prune removes the masked heads from the model's weights; the pruned model replaces the loaded one.
// pruneWhy is why Prune cannot apply now (whyNot), or "".
func (c *PruningPanel) pruneWhy() string {
	return whyNot(
		reason{c.Importance.result == nil, "Compute head importance first: pruning removes the heads masked in its map."},
		reason{c.Heads.maskedCount() == c.Heads.prunedCount(), "Mask heads first: click them in the importance map, or run the masking loop."})
}

func (c *PruningPanel) Prune() {
	if c.Importance.result == nil || c.Heads.maskedCount() == 0 {
		c.Page.fail("mask some heads first: click them in a heatmap, or run the masking loop")
		return
	}
	mask := append([]float32(nil), c.Heads.mask...)
	c.Page.do("Pruning", func() (func(), error) { return c.prune(mask) })
}

// prune is Prune's job, also the session's restore's step (session.go).
func (c *PruningPanel) prune(mask []float32) (func(), error) {
	var res protocol.PruneResult
	show, err := c.Page.change(protocol.OpPrune, &protocol.PruneRequest{HeadMask: mask}, &res)
	if err != nil {
		return nil, err
	}
	return func() {
		c.result = &res
		c.prunes = append(c.prunes, mask)
		show()
	}, nil
}

// Restore brings back the model as it was before pruning.
func (c *PruningPanel) Restore() {
	c.Page.do("Restoring the model", func() (func(), error) {
		var info protocol.ModelInfo
		show, err := c.Page.change(protocol.OpRestoreModel, nil, &info)
		if err != nil {
			return nil, err
		}
		return func() {
			c.prunes = nil
			show()
		}, nil
	})
}

func (c *PruningPanel) pruneLabel() string {
	n := c.Heads.maskedCount() - c.Heads.prunedCount()
	switch {
	case n > 0:
		return fmt.Sprintf("Prune the %d masked %s", n, plural(n, "head"))
	case c.Heads.prunedCount() > 0:
		return "Every masked head is pruned"
	}
	return "Mask heads to prune them"
}

// Export.

// ExportModel encodes the loaded model's files, pruned or not, for download.
func (c *PruningPanel) ExportModel() {
	dtype, model := c.dtype, c.Page.model()
	c.Page.do("Exporting the model", func() (func(), error) {
		var files protocol.ExportedFiles
		if err := c.Page.call(protocol.OpExportModel, &protocol.ExportModelRequest{DType: dtype}, &files); err != nil {
			return nil, err
		}
		return func() { c.exported, c.exportedFor = files.Files, model }, nil
	})
}

// ExportZip downloads the session in one zip file (the lab's exportZip): the model with the chosen
// weights, the .npy files with the page's mask, and the report.
func (c *PruningPanel) ExportZip() {
	req := &protocol.ExportZipRequest{DType: c.dtype, HeadMask: append([]float32(nil), c.Heads.mask...)}
	c.Page.do("Exporting the session", func() (func(), error) {
		var files protocol.ExportedFiles
		if err := c.Page.call(protocol.OpExportZip, req, &files); err != nil {
			return nil, err
		}
		for name, data := range files.Files {
			c.Files.saveFile(name, data)
		}
		return nil, nil
	})
}

// SetDType follows the export's weight type selector.
func (c *PruningPanel) SetDType(event vugu.DOMEvent) {
	c.dtype, c.exported = event.PropString("target", "value"), nil
}

// exportedFiles are the exported files of the model loaded now: none once another is loaded.
func (c *PruningPanel) exportedFiles() map[string][]byte {
	if c.exportedFor != c.Page.model() {
		return nil
	}
	return c.exported
}

// exportedNames are the exported files' names, sorted.
func (c *PruningPanel) exportedNames() []string {
	names := make([]string, 0, len(c.exportedFiles()))
	for name := range c.exportedFiles() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// SaveExported offers one exported file for download.
func (c *PruningPanel) SaveExported(name string) { c.Files.saveFile(name, c.exportedFiles()[name]) }

func (c *PruningPanel) exportLabel() string {
	if c.Heads.prunedCount() > 0 {
		return "Export the pruned model"
	}
	return "Export the model"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
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
