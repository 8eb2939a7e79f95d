package main

import (
	"fmt"

	"github.com/vugu/vugu"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// ImportancePanel shows head importance and attention entropy as heatmaps whose cells mask their head
// when clicked, with the metric under the mask (importance-panel.vugu).
type ImportancePanel struct {
	Page  page
	Files files
	Heads *headMask

	result     *protocol.ImportanceResult  // nil before importance, and after the lab drops it
	request    *protocol.ImportanceRequest // the request result answers, kept with the session
	evaluation *protocol.Evaluation        // with the mask

	importanceSVG, entropySVG string
}

// run computes importance over the data set, as the form asks; the mask starts anew with it.
func (c *ImportancePanel) run(req *protocol.ImportanceRequest) {
	c.Page.do("Computing head importance", func() (func(), error) { return c.compute(req) })
}

// compute is run's job, also the session's restore's step (session.go).
func (c *ImportancePanel) compute(req *protocol.ImportanceRequest) (func(), error) {
	var res protocol.ImportanceResult
	if _, err := c.Page.change(protocol.OpImportance, req, &res); err != nil {
		return nil, err
	}
	return func() {
		c.result, c.evaluation, c.request = &res, &res.Evaluation, req
		c.Heads.reset()
		c.drawHeads()
	}, nil
}

// sync follows the lab's session: importance goes when the lab drops it (another data set or model),
// and the heatmaps show the pruned heads it reports.
func (c *ImportancePanel) sync(s *protocol.Session) {
	switch {
	case !s.Importance:
		c.result, c.evaluation = nil, nil
		c.importanceSVG, c.entropySVG = "", ""
	case c.result != nil:
		c.drawHeads()
	}
}

// drawHeads draws the importance and entropy heatmaps with the mask.
func (c *ImportancePanel) drawHeads() {
	imp, masked, pruned := c.result, c.Heads.masked(), c.Heads.pruned
	c.importanceSVG = svgOf(c.Page, &chart.HeadMap{Title: "Head importance", Quantity: "importance",
		Layers: imp.Layers, Heads: imp.Heads, Values: imp.Importance, Masked: masked, Pruned: pruned})
	c.entropySVG = svgOf(c.Page, &chart.HeadMap{Title: "Attention entropy (nats)", Quantity: "entropy",
		Layers: imp.Layers, Heads: imp.Heads, Values: imp.Entropy, Masked: masked, Pruned: pruned})
}

// ClickHead masks the head whose cell was clicked in a heatmap, or unmasks it.
func (c *ImportancePanel) ClickHead(event vugu.DOMEvent) {
	cell := event.JSEventTarget().Call("closest", "g.cell")
	if !cell.Truthy() || c.result == nil || c.Page.working() {
		return
	}
	var l, h int
	if _, err := fmt.Sscan(cell.Call("getAttribute", "data-layer").String()+" "+cell.Call("getAttribute", "data-head").String(), &l, &h); err != nil {
		return
	}
	c.ToggleHead(l, h)
}

// ToggleHead masks or unmasks one head (not a pruned one: it is gone) and evaluates again.
func (c *ImportancePanel) ToggleHead(l, h int) {
	imp := c.result
	if imp == nil || l < 0 || l >= imp.Layers || h < 0 || h >= imp.Heads {
		return
	}
	if err := c.Heads.toggle(l, h); err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.evaluate("Evaluating with the new mask")
}

// UnmaskAll brings back every head that is not pruned.
func (c *ImportancePanel) UnmaskAll() {
	c.Heads.unmask()
	c.evaluate("Evaluating with every head")
}

// evaluate redraws the heatmaps and evaluates the model on the data and on the input with the mask.
func (c *ImportancePanel) evaluate(what string) {
	c.drawHeads()
	mask := c.Heads.forInput()
	c.Page.do(what, func() (func(), error) {
		var ev protocol.Evaluation
		if err := c.Page.call(protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask}, &ev); err != nil {
			return nil, err
		}
		show := c.Page.runInput()
		return func() {
			c.evaluation = &ev
			show()
		}, nil
	})
}

// masked shows a mask the lab chose (the masking loop's) with the model's evaluation under it.
func (c *ImportancePanel) masked(ev *protocol.Evaluation) {
	c.evaluation = ev
	c.drawHeads()
}

// metrics are the metrics the data reports with every head, as importance found them; nil before
// importance.
func (c *ImportancePanel) metrics() *protocol.Evaluation {
	if c.result == nil {
		return nil
	}
	return &c.result.Evaluation
}

// metricText says how the model does with the mask.
func (c *ImportancePanel) metricText() string {
	if c.evaluation == nil || c.result == nil {
		return ""
	}
	name := c.evaluation.Metric
	return fmt.Sprintf("%s %s", metricName(name), metricValue(c.evaluation.Metrics[name]))
}

// baselineText is the main metric with every head, as importance found it.
func (c *ImportancePanel) baselineText() string {
	ev := c.result.Evaluation
	return fmt.Sprintf("with every head: %s %s", metricName(ev.Metric), metricValue(ev.Metrics[ev.Metric]))
}

// SaveNpy asks the lab for importance, entropy or the mask as a .npy file and offers it for download.
func (c *ImportancePanel) SaveNpy(what string) {
	req := &protocol.ExportNpyRequest{What: what}
	if what == "mask" {
		req.HeadMask = append([]float32(nil), c.Heads.mask...)
	}
	c.Page.do("Encoding "+what, func() (func(), error) {
		var files protocol.ExportedFiles
		if err := c.Page.call(protocol.OpExportNpy, req, &files); err != nil {
			return nil, err
		}
		for name, data := range files.Files {
			c.Files.saveFile(name, data)
		}
		return nil, nil
	})
}

// metricValue writes a metric, or says it is not defined.
func metricValue(v *float64) string {
	if v == nil {
		return "undefined"
	}
	return fmt.Sprintf("%.4f", *v)
}

// metricNames write out the metrics' keys (metrics.Compute's) for the page.
var metricNames = map[string]string{
	"acc":         "accuracy",
	"f1":          "F1",
	"acc_and_f1":  "mean of accuracy and F1",
	"mcc":         "Matthews correlation",
	"pearson":     "Pearson correlation",
	"spearmanr":   "Spearman correlation",
	"corr":        "Pearson / Spearman correlation (mean)",
	"mnli/acc":    "accuracy (MNLI matched)",
	"mnli-mm/acc": "accuracy (MNLI mismatched)",
	"perplexity":  "perplexity",
}

// metricName is a metric's key written out, or the key when it has no name.
func metricName(key string) string {
	if n, ok := metricNames[key]; ok {
		return n
	}
	return key
}
