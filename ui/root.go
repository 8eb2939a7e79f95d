package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vugu/vugu"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// defaultModelURL is the model the page opens at once, served with the site and cached offline.
const defaultModelURL = "models/default/"

// Sizes of the views, in pixels.
const (
	thumbSize    = 72 // one map of the model view
	thumbCells   = 24 // at most this many cells along a map of the model view (see chart.ModelView)
	enlargedCell = 22 // one cell of the enlarged map
)

// Root is the page: the model panel, the input panel and the attention views, with the workflow's
// panels, which it makes and renders, below them. Its fields, and its panels', change only under Env's
// lock: in event handlers, which Vugu calls with the lock held, or in update.
type Root struct {
	Host Host
	Env  vugu.EventEnv

	busy     string             // what the lab is doing; "" when idle
	progress *protocol.Progress // the lab's last report on it
	err      string             // the last failure, shown until the next action succeeds
	// The models the picker offers besides the kept ones (picker.go), why they could not be listed,
	// and the picker's choice ("": its first).
	from                 *savedModel // where the loaded model came from, for the saved session; nil: not kept
	restoring            bool        // whether the saved session is being restored, so not saved meanwhile
	keptData             []byte      // the data file's bytes the store keeps (session.go)
	bundled              []bundledModel
	bundledError, picked string
	errAt                string // the id of the panel err shows in ("": the model and input panels; page.go's section)

	info   *protocol.ModelInfo
	source string // where the model came from
	url    string // the "load from URL" field
	hub    *HubForm

	text, pair string
	truncate   bool // cut an input longer than the model's maximum down to it
	result     *protocol.ForwardResult

	view     string      // "head", "model" or "neuron"
	layer    int         // the head view's layer
	selected []bool      // the head view's heads
	focus    int         // the head view's focused query token, or -1
	enlarged [2]int      // layer and head (its number before pruning) of the enlarged map in the model view, or -1, -1
	pairs    chart.Pairs // the head view's sentence filter
	lines    bool        // the model view draws mini head views, not heatmaps
	neuron   neuronView

	// The analyses of "Beyond attention maps" (analyses.go), and the panel shown.
	hidden      *Hidden
	rollout     *Rollout
	lens        *Lens
	probe       *Probe
	attnStats   *AttnStats
	induction   *Induction
	generate    *GeneratePanel
	attribution *Attribution
	patching    *Patching
	analysis    string

	// run_bertology.py's workflow: its panels, and the mask they share with the input panel.
	data       *DatasetPanel
	examples   *ExamplesPanel
	form       *ImportanceForm
	importance *ImportancePanel
	pruning    *PruningPanel
	heads      *headMask

	left timeLeft // the estimated time the running job needs still (page.go)

	// The charts' SVG, drawn when what they show changes.
	headSVG, modelSVG, mapSVG, barsSVG string
}

// defaultText is the input the page starts with.
const defaultText = "the quick brown fox jumped over the lazy dog"

// Start restores the saved session (session.go), or opens the default model and runs the default
// input, so the views show at once.
func (c *Root) Start() {
	c.text, c.truncate = defaultText, true
	c.view = "head"
	c.lines = true // the model view opens on mini head views, as bertviz's does
	c.focus = -1
	c.enlarged = [2]int{-1, -1}
	c.startPanels()
	store, ok := c.Host.(sessionStore)
	if !ok {
		c.loadDefault()
		return
	}
	c.do("Restoring the session", func() (func(), error) {
		c.update(c.hub.list()) // shown even when no model loads
		c.update(c.listBundled())
		data, err := store.LoadSession()
		var saved savedSession
		if err == nil && data != "" {
			err = json.Unmarshal([]byte(data), &saved)
		}
		if err == nil && (data == "" || saved.Model == nil) {
			return c.loadDefaultJob()
		}
		if err == nil {
			c.update(func() { c.restoring = true })
			err = c.restore(&saved)
			c.update(func() { c.restoring = false })
		}
		if err == nil {
			return func() {}, nil
		}
		// Start clean, saying why.
		store.ClearSession()
		show, derr := c.loadDefaultJob()
		return func() {
			if show != nil {
				show()
			}
			msg := "the saved session could not be restored, so the page starts anew: " + err.Error()
			if derr != nil {
				msg += "; " + derr.Error()
			}
			c.fail(msg)
		}, nil
	})
}

// loadDefault opens the default model.
func (c *Root) loadDefault() {
	c.do("Loading the default model", func() (func(), error) {
		c.update(c.hub.list()) // shown even when the default model does not load
		c.update(c.listBundled())
		return c.loadDefaultJob()
	})
}

func (c *Root) loadDefaultJob() (func(), error) {
	show, err := c.loadModel(&savedModel{URL: defaultModelURL, Source: "default model"})
	if err != nil {
		return nil, fmt.Errorf("the default model did not load: %w", err)
	}
	return show, nil
}

// startPanels makes the workflow's panels and the analyses, each given the page and the panels it
// works with.
func (c *Root) startPanels() {
	c.hub = &HubForm{Page: c, Models: c}
	if s, ok := c.Host.(settings); ok {
		c.hub.Settings = s
	}
	c.hub.start()
	c.heads = &headMask{}
	c.importance = &ImportancePanel{Page: section{c, "importance-panel"}, Files: c, Heads: c.heads}
	c.form = &ImportanceForm{Page: section{c, "importance-form"}, Importance: c.importance, byLayer: true, global: true}
	c.data = &DatasetPanel{Page: section{c, "dataset-panel"}, Files: c, Form: c.form}
	c.form.Data = c.data
	c.examples = &ExamplesPanel{Page: section{c, "examples-panel"}, Files: c, Data: c.data, Form: c.form, Heads: c.heads, Input: c, label: -1, predicted: -1, open: -1}
	c.pruning = &PruningPanel{Page: section{c, "pruning-panel"}, Files: c, Heads: c.heads, Importance: c.importance, Form: c.form, dtype: "F32"}

	analyses := section{c, "analyses"}
	c.hidden = &Hidden{analysisPanel: analysisPanel[protocol.HiddenStatesResult]{Page: analyses}, Files: c, Input: c, Tabs: c}
	c.rollout = &Rollout{analysisPanel: analysisPanel[protocol.RolloutResult]{Page: analyses}, Files: c, Input: c, Tabs: c}
	c.lens = &Lens{analysisPanel: analysisPanel[protocol.LensResult]{Page: analyses}, Files: c, Input: c, Tabs: c}
	c.probe = &Probe{analysisPanel: analysisPanel[protocol.ProbeResult]{Page: analyses}, Files: c, Data: c.data, Tabs: c}
	c.attnStats = &AttnStats{analysisPanel: analysisPanel[protocol.AttnStatsResult]{Page: analyses}, Files: c, Data: c.data, Tabs: c}
	c.induction = &Induction{analysisPanel: analysisPanel[protocol.InductionResult]{Page: analyses}, Files: c, Tabs: c}
	c.generate = &GeneratePanel{analysisPanel: analysisPanel[protocol.GenerateResult]{Page: analyses}, Input: c, Tabs: c, clicked: -1}
	c.attribution = &Attribution{analysisPanel: analysisPanel[protocol.SaliencyResult]{Page: analyses}, Files: c, Input: c, Tabs: c}
	c.patching = &Patching{analysisPanel: analysisPanel[protocol.PatchResult]{Page: analyses}, ablation: analysisPanel[protocol.AblateResult]{Page: analyses}, Files: c, Input: c, Tabs: c}
}

// modelLoaded follows a model the lab loaded, from where source says, on the job's goroutine: what
// was computed with the model before goes, and the input runs on the new one.
func (c *Root) modelLoaded(source string) (func(), error) {
	show, err := c.sessionChanged(true)
	if err != nil {
		return nil, err
	}
	return func() {
		c.source, c.from, c.pruning.prunes = source, nil, nil
		show()
	}, nil
}

// keepSource says where the model just loaded came from, for the saved session.
func (c *Root) keepSource(m *savedModel) { c.from = m }

func (c *Root) forward() (*protocol.ForwardResult, error) {
	c.Env.RLock()
	req := &protocol.ForwardRequest{Text: c.text, Pair: c.pair, Truncate: c.truncate, HeadMask: c.heads.forInput()}
	c.Env.RUnlock()
	var result protocol.ForwardResult
	if err := c.call(protocol.OpForward, req, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

func (c *Root) showResult(result *protocol.ForwardResult, err error) {
	if err != nil {
		c.result = nil
		c.err = err.Error()
		c.drawResult() // the bars of the last input go with it
		return
	}
	c.result = result
	layers := len(result.Attentions)
	if c.layer >= layers {
		c.layer = 0
	}
	c.selectAll(true)
	c.focus = -1
	if c.enlarged[0] >= layers || c.enlarged[0] >= 0 && c.headIndex(c.enlarged[0], c.enlarged[1]) < 0 {
		c.enlarged = [2]int{-1, -1} // the head is gone: pruned, or another model
	}
	c.drawResult()
	if c.view == "neuron" {
		c.fetchNeuron()
	}
}

// headsIn is the number of heads of layer l in the current result.
func (c *Root) headsIn(l int) int {
	if c.result == nil || l < 0 || l >= len(c.result.Attentions) {
		return 0
	}
	return c.result.Attentions[l].Shape[0]
}

// headNumbers are the numbers, before pruning, of the heads of layer l in the current result: a pruned
// model's layer 3 may hold heads 0 and 7, which the views label so.
func (c *Root) headNumbers(l int) []int {
	n := c.headsIn(l)
	if c.info != nil && l < len(c.info.KeptHeads) && len(c.info.KeptHeads[l]) == n {
		return c.info.KeptHeads[l]
	}
	return seq(n)
}

// headIndex is the place of head number h in layer l of the current result, or -1 when it has none.
func (c *Root) headIndex(l, h int) int { return slices.Index(c.headNumbers(l), h) }

// headsBefore is the heads a layer had before pruning.
func (c *Root) headsBefore() int {
	if c.info == nil {
		return len(c.selected)
	}
	return c.info.Heads
}

// pruned reports whether the loaded model lacks heads in some layer.
func (c *Root) pruned() bool {
	if c.info == nil {
		return false
	}
	for _, n := range c.info.HeadsPerLayer {
		if n != c.info.Heads {
			return true
		}
	}
	return false
}

// shapeText is the model's layers and heads; a pruned model's heads are before pruning.
func (c *Root) shapeText() string {
	s := fmt.Sprintf("%d × %d", c.info.Layers, c.info.Heads)
	if c.pruned() {
		s += " before pruning"
	}
	return s
}

// keptText lists each layer's heads by number: "layer 0: heads 0, 3; layer 1: none".
func (c *Root) keptText() string {
	parts := make([]string, len(c.info.KeptHeads))
	for l, hs := range c.info.KeptHeads {
		if len(hs) == 0 {
			parts[l] = fmt.Sprintf("layer %d: none", l)
			continue
		}
		nums := make([]string, len(hs))
		for k, h := range hs {
			nums[k] = strconv.Itoa(h)
		}
		parts[l] = fmt.Sprintf("layer %d: heads %s", l, strings.Join(nums, ", "))
	}
	return strings.Join(parts, "; ")
}

// truncatedText says how far the lab cut the input, or "" when it fit.
func (c *Root) truncatedText() string {
	if c.result == nil || c.result.Truncated == 0 {
		return ""
	}
	return fmt.Sprintf("truncated to %d tokens", len(c.result.Tokens))
}

func (c *Root) tokenCount() int {
	if c.result == nil {
		return 0
	}
	return len(c.result.Tokens)
}

// drawResult draws the charts that depend only on the result.
func (c *Root) drawResult() {
	c.modelSVG, c.barsSVG = "", ""
	if c.result != nil {
		mv := &chart.ModelView{Tokens: c.tokenCount(), Thumb: thumbSize, MaxCells: thumbCells, Lines: c.lines}
		for l, a := range c.result.Attentions {
			mv.Weights = append(mv.Weights, a.Data)
			mv.Heads = append(mv.Heads, c.headsIn(l))
			if c.pruned() {
				mv.Numbers, mv.Of = append(mv.Numbers, c.headNumbers(l)), c.info.Heads
			}
		}
		c.modelSVG = c.draw(mv)
		if len(c.result.Classes) > 0 {
			b := &chart.Bars{Title: "Prediction"}
			for _, cl := range c.result.Classes {
				b.Labels = append(b.Labels, cl.Label)
				b.Values = append(b.Values, cl.Probability)
			}
			c.barsSVG = c.draw(b)
		}
	}
	c.redraw()
}

// redraw draws the charts that depend on the view's settings.
func (c *Root) redraw() {
	c.headSVG, c.mapSVG = "", ""
	if c.result == nil {
		return
	}
	hv := &chart.HeadView{Layer: c.layer, Tokens: c.result.Tokens, Heads: c.headsIn(c.layer),
		Numbers: c.headNumbers(c.layer), Of: c.headsBefore(), Weights: c.result.Attentions[c.layer].Data, Focus: c.focus,
		Sentences: chart.Sentences(c.result.Tokens, c.result.TypeIDs, "[SEP]"), Pairs: c.pairs}
	for h, on := range c.selected {
		if on {
			hv.Selected = append(hv.Selected, h)
		}
	}
	c.headSVG = c.draw(hv)
	if l, h := c.enlarged[0], c.enlarged[1]; l >= 0 {
		t, k := c.tokenCount(), c.headIndex(l, h)
		c.mapSVG = c.draw(&chart.AttentionMap{Layer: l, Head: h, Heads: c.headsBefore(), Size: t,
			Tokens: c.result.Tokens, Weights: c.result.Attentions[l].Data[k*t*t : (k+1)*t*t], Cell: enlargedCell})
	}
}

// draw returns the chart's SVG, or "" after reporting why it could not be drawn.
func (c *Root) draw(ch interface{ SVG() (string, error) }) string { return svgOf(c, ch) }

func (c *Root) selectAll(on bool) {
	c.selected = make([]bool, c.headsIn(c.layer))
	for h := range c.selected {
		c.selected[h] = on
	}
}

// Event handlers. Vugu calls them with the lock held.

// Run runs the model on the input fields.
func (c *Root) Run(event vugu.DOMEvent) {
	event.PreventDefault()
	if c.info == nil {
		c.fail("load a model first")
		return
	}
	c.do("Running the model", func() (func(), error) {
		result, err := c.forward()
		return func() { c.showResult(result, err) }, nil
	})
}

// SetText and SetPair follow the input fields.
func (c *Root) SetText(event vugu.DOMEvent) { c.text = event.PropString("target", "value") }
func (c *Root) SetPair(event vugu.DOMEvent) { c.pair = event.PropString("target", "value") }
func (c *Root) SetURL(event vugu.DOMEvent)  { c.url = event.PropString("target", "value") }

// PickFiles loads the model files (or the folder) picked in a file input.
func (c *Root) PickFiles(event vugu.DOMEvent) {
	input := event.JSEventTarget()
	files := input.Get("files")
	if files.Length() == 0 {
		return // the user closed the picker without choosing
	}
	// A folder is named by its name, files by theirs.
	source, _, inFolder := strings.Cut(files.Index(0).Get("webkitRelativePath").String(), "/")
	if inFolder {
		source += "/"
	} else {
		var names []string
		for i := range files.Length() {
			names = append(names, files.Index(i).Get("name").String())
		}
		source = strings.Join(names, ", ")
	}
	c.do("Loading "+source, func() (func(), error) {
		var info protocol.ModelInfo
		err := c.Host.LoadFiles(input, &info, c.report)
		c.restartedBy(err)
		store, keep := c.Host.(sessionStore)
		if err == nil && keep {
			store.SavePicked(input) // before the saved session that names them
		}
		input.Set("value", "") // picking the same files again loads them again
		if err != nil {
			return nil, err
		}
		show, err := c.modelLoaded(source)
		if err != nil {
			return nil, err
		}
		return func() {
			show()
			if keep {
				c.from = &savedModel{Source: source, Picked: true}
			}
		}, nil
	})
}

// LoadURL loads the model directory at the URL field's address. Nothing is fetched until the user
// asks.
func (c *Root) LoadURL(event vugu.DOMEvent) {
	event.PreventDefault()
	url := strings.TrimSpace(c.url)
	if url == "" {
		c.fail("type the URL of a model directory (the folder holding config.json) first")
		return
	}
	page := ""
	if p, ok := c.Host.(pageAddress); ok {
		page = p.PageURL()
	}
	address, err := resolveAddress(url, page)
	if err != nil {
		c.fail(err.Error())
		return
	}
	c.do("Loading "+url, func() (func(), error) { return c.loadModel(&savedModel{URL: address, Source: url}) })
}

// loadURL loads the model directory at url (relative to the page, or absolute), shown as from
// source.
func (c *Root) loadURL(url, source string) {
	c.do("Loading "+source, func() (func(), error) { return c.loadModel(&savedModel{URL: url, Source: source}) })
}

// ShowView switches between the head view, the model view and the neuron view.
func (c *Root) ShowView(view string) {
	c.view = view
	if view == "neuron" {
		c.fetchNeuron()
	}
}

// SetPairs follows the head view's sentence filter.
func (c *Root) SetPairs(event vugu.DOMEvent) {
	c.pairs = chart.Pairs(event.PropString("target", "value"))
	c.redraw()
}

// SetLines switches the model view between mini head views and heatmaps.
func (c *Root) SetLines(on bool) {
	c.lines = on
	c.drawResult()
}

// OpenInHeadView shows the enlarged map's head alone in the head view.
func (c *Root) OpenInHeadView() {
	l, h := c.enlarged[0], c.enlarged[1]
	if c.result == nil || l < 0 || l >= len(c.result.Attentions) || c.headIndex(l, h) < 0 {
		return
	}
	c.layer, c.focus, c.view = l, -1, "head"
	c.solo(c.headIndex(l, h))
}

// solo shows head k (its index in the layer) alone in the head view.
func (c *Root) solo(k int) {
	c.selectAll(false)
	c.selected[k] = true
	c.redraw()
}

// swatchHead is the head (its index in the layer) of the head view's swatch an event hit.
func (c *Root) swatchHead(event vugu.DOMEvent) (int, bool) {
	target := event.JSEventTarget()
	if !target.Call("matches", "rect.swatch").Bool() {
		return 0, false
	}
	n, err := strconv.Atoi(target.Call("getAttribute", "data-head").String())
	k := c.headIndex(c.layer, n)
	return k, err == nil && k >= 0 && k < len(c.selected)
}

// SetLayer follows the head view's layer selector.
func (c *Root) SetLayer(event vugu.DOMEvent) {
	l, err := strconv.Atoi(event.PropString("target", "value"))
	if err != nil || c.result == nil || l < 0 || l >= len(c.result.Attentions) {
		return
	}
	c.layer, c.focus = l, -1
	if len(c.selected) != c.headsIn(l) {
		c.selectAll(true)
	}
	c.redraw()
}

// ToggleHead shows or hides one head in the head view.
func (c *Root) ToggleHead(h int) {
	if h < len(c.selected) {
		c.selected[h] = !c.selected[h]
		c.redraw()
	}
}

// SelectAllHeads shows or hides every head in the head view.
func (c *Root) SelectAllHeads(on bool) {
	c.selectAll(on)
	c.redraw()
}

// FocusToken shows only the lines of the query token clicked in the head view; clicking it again, or
// anywhere else, shows all tokens again.
func (c *Root) FocusToken(event vugu.DOMEvent) {
	if k, ok := c.swatchHead(event); ok { // a swatch toggles its head; the second click of a double-click shows it alone
		if event.JSEvent().Get("detail").Int() >= 2 {
			c.solo(k)
		} else {
			c.ToggleHead(k)
		}
		return
	}
	target := event.JSEventTarget()
	i, err := strconv.Atoi(target.Call("getAttribute", "data-index").String())
	if err != nil || target.Call("getAttribute", "data-side").String() != "left" || i == c.focus {
		i = -1
	}
	c.focus = i
	c.redraw()
}

// Enlarge shows the map of the model view's thumbnail clicked, or closes it.
func (c *Root) Enlarge(event vugu.DOMEvent) {
	thumb := event.JSEventTarget().Call("closest", "g.thumb")
	if thumb.Truthy() {
		l, errL := strconv.Atoi(thumb.Call("getAttribute", "data-layer").String())
		h, errH := strconv.Atoi(thumb.Call("getAttribute", "data-head").String())
		if errL == nil && errH == nil && l < len(c.result.Attentions) && c.headIndex(l, h) >= 0 {
			c.enlarged = [2]int{l, h}
			c.redraw()
			return
		}
	}
	c.CloseEnlarged()
}

// CloseEnlarged closes the enlarged map.
func (c *Root) CloseEnlarged() {
	c.enlarged = [2]int{-1, -1}
	c.mapSVG = ""
}

// Helpers for the template.

func (c *Root) layers() []int {
	if c.result == nil {
		return nil
	}
	ls := make([]int, len(c.result.Attentions))
	for l := range ls {
		ls[l] = l
	}
	return ls
}

// headColor and headLabel are the colour and number of the head view's head h, by its number before
// pruning, as the chart draws it.
func (c *Root) headColor(h int) string { return chart.HeadColor(c.headLabel(h), c.headsBefore()) }

func (c *Root) headLabel(h int) int {
	if nums := c.headNumbers(c.layer); h < len(nums) {
		return nums[h]
	}
	return h
}

func (c *Root) tabClass(view string) string {
	if c.view == view {
		return "tab active"
	}
	return "tab"
}

func topText(top []protocol.TokenScore) string {
	parts := make([]string, len(top))
	for i, t := range top {
		parts[i] = fmt.Sprintf("%s %.1f%%", t.Token, 100*t.Probability)
	}
	return strings.Join(parts, ", ")
}

// statusClass is the status bar's: always on the page, so that a job starting shifts nothing, and
// "busy" while a job runs.
func (c *Root) statusClass() string {
	if c.busy != "" {
		return "status busy"
	}
	return "status"
}

func (c *Root) progressText() string {
	p := c.progress
	switch {
	case p == nil || p.Total == 0 && p.Phase == "":
		return c.busy + "…"
	case p.Total == 0: // a phase of unknown length, such as a compressed download, says how far it is
		return c.busy + ": " + p.Phase + "…"
	}
	text := fmt.Sprintf("%s: %s, %d%%", c.busy, p.Phase, 100*p.Done/p.Total)
	if p.Unit == "bytes" {
		text = fmt.Sprintf("%s: %s, %s of %s, %d%%", c.busy, p.Phase, byteSize(p.Done), byteSize(p.Total), 100*p.Done/p.Total)
	}
	if d, ok := c.left.estimate(*p, time.Now()); ok {
		text += ", about " + roughDuration(d) + " left"
	}
	return text
}

// roughDuration says d as a person would read it off a progress bar: "5 s", "3 min", "1 h 20 min".
func roughDuration(d time.Duration) string {
	switch s := int(d.Round(time.Second).Seconds()); {
	case s < 60:
		return fmt.Sprintf("%d s", max(1, s))
	case s < 3600:
		return fmt.Sprintf("%d min", (s+30)/60)
	default:
		return fmt.Sprintf("%d h %d min", s/3600, (s%3600+30)/60)
	}
}

func (c *Root) progressValue() string {
	if c.progress == nil || c.progress.Total == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(c.progress.Done)/float64(c.progress.Total), 'f', 3, 64)
}

func (c *Root) paramsText() string {
	n := float64(c.info.Params)
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return strconv.Itoa(c.info.Params)
}

// isPair reports whether the result's input is a pair of sentences, for the head view's filter.
func (c *Root) isPair() bool {
	return c.result != nil && chart.Sentences(c.result.Tokens, c.result.TypeIDs, "[SEP]") != nil
}

// runWhy is why the input cannot run (whyNot), or "".
func (c *Root) runWhy() string {
	return whyNot(reason{c.info == nil, "Load a model first (the Model panel)."})
}

// tabsWhy says why each disabled tab of "Beyond attention maps" is (analysisUnavailable), beside the
// tabs, or "" when none is.
func (c *Root) tabsWhy() string {
	var parts []string
	for _, a := range analyses {
		if why := c.analysisUnavailable(a.name); why != "" {
			parts = append(parts, a.label+": "+why)
		}
	}
	return strings.Join(parts, " ")
}

// pairsWhy is why the head view's sentence filter cannot apply to the input (whyNot), or "".
func (c *Root) pairsWhy() string {
	return whyNot(reason{!c.isPair(), "The sentence filter (A→B, B→A, …) needs a second sentence in the input."})
}

// pairLabel names a sentence filter in the head view's selector.
func pairLabel(p chart.Pairs) string {
	if p == chart.AllPairs {
		return "All"
	}
	return string(p)
}
