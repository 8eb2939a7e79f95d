package main

import (
	"errors"
	"sync"
	"time"

	"bertology/wasm/protocol"
)

// page is the page as its workflow panels see it: one job at a time on the lab, on its own goroutine,
// with what it does, its progress and its failure shown. Root is the page; the panels get it as this
// interface, so that each reaches only what it needs.
type page interface {
	// working reports whether a job is running; the panels' buttons wait for it.
	working() bool
	// do runs work on its own goroutine, since the lab's answers arrive as events that the current
	// handler would block. The function work returns applies the outcome under the lock.
	do(what string, work func() (apply func(), err error))
	// call sends one request to the lab from a job's goroutine, showing its progress.
	call(op string, req, result any) error
	// change is call for a request that changes the lab's session: it then asks the lab for the
	// session, hands each panel its part, and runs the input again if the model or the mask changed.
	// The function it returns shows the input's new result.
	change(op string, req, result any) (show func(), err error)
	// runInput runs the page's input with the mask, from a job's goroutine, and returns the function
	// that shows the result.
	runInput() (show func())
	// update changes the page from a job's goroutine, under the lock.
	update(f func())
	// fail shows why an action could not start.
	fail(msg string)
	// model is the loaded model as the lab describes it, or nil before one loads.
	model() *protocol.ModelInfo
	// errorHere is the failure to show in the part of the page that holds this page value: the last
	// job's or action's that started there, or "".
	errorHere() string
}

// section is the page as one panel sees it: the failures of the jobs and actions that start in the
// panel show in it, next to the buttons that started them (errorHere), not at the top of the page.
type section struct {
	*Root
	id string // the panel's id
}

func (s section) do(what string, work func() (apply func(), err error)) {
	s.Root.doIn(s.id, what, work)
}
func (s section) fail(msg string)   { s.Root.err, s.Root.errAt = msg, s.id }
func (s section) errorHere() string { return s.Root.errorIn(s.id) }

// errorIn is the failure shown in the panel id ("" for the model and input panels, Root's own). The
// failure of a panel that is not on the page now shows where the panel's work starts (importance, in
// the importance form, before its panel shows), else with Root's.
func (c *Root) errorIn(id string) string {
	at := c.errAt
	if !c.shown(at) {
		at = map[string]string{"importance-panel": "importance-form"}[at]
	}
	if at != id {
		return ""
	}
	return c.err
}

// shown reports whether the panel id is on the page (see each panel's vg-if).
func (c *Root) shown(id string) bool {
	switch id {
	case "examples-panel":
		return c.data.loaded()
	case "importance-panel":
		return c.importance.result != nil
	case "pruning-panel":
		return c.importance.result != nil || c.heads.prunedCount() > 0
	case "analyses":
		return c.info != nil
	}
	return true
}

func (c *Root) errorHere() string { return c.errorIn("") }

func (c *Root) working() bool { return c.busy != "" }

func (c *Root) do(what string, work func() (apply func(), err error)) { c.doIn("", what, work) }

// doIn is do for a job started in the panel id, where its failure shows.
func (c *Root) doIn(id, what string, work func() (apply func(), err error)) {
	c.busy, c.progress, c.errAt = what, nil, id
	go func() {
		defer func() {
			if v := recover(); v != nil {
				c.update(func() { c.busy, c.progress, c.err = "", nil, panicMessage(v) })
			}
		}()
		apply, err := work()
		c.update(func() {
			c.busy, c.progress = "", nil
			if err != nil {
				c.err = err.Error()
				return
			}
			c.err = ""
			if apply != nil {
				apply()
			}
			c.saveSession()
		})
	}()
}

// restartedBy follows a call's error, on the job's goroutine: when the worker restarted the lab, the
// page forgets what the lab lost, the model, the data set and everything computed on them, and the error,
// shown by whoever made the call, says so.
func (c *Root) restartedBy(err error) {
	if restarted := (*labRestarted)(nil); !errors.As(err, &restarted) {
		return
	}
	c.update(func() {
		empty := &protocol.Session{}
		c.heads.sync(empty)
		c.importance.sync(empty)
		c.pruning.sync(empty)
		c.data.dataset = nil
		c.info, c.source, c.result = nil, "", nil
		c.drawResult()
	})
}

func (c *Root) update(f func()) {
	c.Env.Lock()
	defer c.Env.UnlockRender()
	defer func() {
		if v := recover(); v != nil {
			c.failed(v)
		}
	}()
	f()
}

// failed shows a panic v of an event handler or a job under the lock: the page works on.
func (c *Root) failed(v any) { c.busy, c.progress, c.err, c.errAt = "", nil, panicMessage(v), "" }

// renderFailed follows a build or render of the page that failed with err, under the lock: it shows
// the error and drops the result, whose views are the likeliest to have failed, so that the page
// renders again without them.
func (c *Root) renderFailed(err error) {
	c.err, c.errAt = "internal error: the page could not be drawn: "+err.Error(), ""
	c.result = nil
	c.drawResult()
}

// report shows the lab's progress. The lab throttles its reports (wasm/lab's throttled, the one place
// where progress is throttled), so each one can be shown.
func (c *Root) report(p protocol.Progress) {
	c.left.observe(p, time.Now())
	c.update(func() { c.progress = &p })
}

// timeLeft estimates how long a job still needs from the rate of its progress since its count last
// started (a new Total, or a count that went back, starts it again): the core reports long loops, the
// masking loop included, as one count, so that this holds across their passes. It has its own lock, as
// reports come from the job's goroutine.
type timeLeft struct {
	mu    sync.Mutex
	total int       // the count's Total
	from  int       // its Done when it started
	start time.Time // when it started
	done  int       // the last Done seen
}

func (t *timeLeft) observe(p protocol.Progress, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.Total != t.total || p.Done < t.done || t.start.IsZero() {
		t.total, t.from, t.start = p.Total, p.Done, now
	}
	t.done = p.Done
}

// estimate is the time left at p, once a second of the count and one step have gone by.
func (t *timeLeft) estimate(p protocol.Progress, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	elapsed, steps := now.Sub(t.start), p.Done-t.from
	if p.Total != t.total || steps <= 0 || p.Done >= p.Total || elapsed < time.Second {
		return 0, false
	}
	return time.Duration(float64(elapsed) / float64(steps) * float64(p.Total-p.Done)), true
}

func (c *Root) call(op string, req, result any) error {
	err := c.Host.Call(op, req, result, c.report)
	c.restartedBy(err)
	return err
}

// replacesModel are the requests of the workflow after which another model is loaded, so that what
// was computed with the model before is stale (the model panel's loads go through modelLoaded).
var replacesModel = map[string]bool{
	protocol.OpPrune:        true,
	protocol.OpRestoreModel: true,
}

func (c *Root) change(op string, req, result any) (func(), error) {
	if err := c.call(op, req, result); err != nil {
		return nil, err
	}
	return c.sessionChanged(replacesModel[op])
}

// sessionChanged follows a request that changed the lab's session (replacing the model or not): see
// change.
func (c *Root) sessionChanged(replaced bool) (func(), error) {
	var s protocol.Session
	if err := c.call(protocol.OpSession, nil, &s); err != nil {
		return nil, err
	}
	c.Env.Lock()
	lost := c.heads.sync(&s)
	c.importance.sync(&s)
	c.pruning.sync(&s)
	c.Env.UnlockRender()
	if !replaced && !lost {
		return func() {}, nil
	}
	show := c.runInput()
	return func() {
		if replaced {
			c.info = s.Model
		}
		show()
	}, nil
}

func (c *Root) runInput() func() {
	result, err := c.forward()
	return func() { c.showResult(result, err) }
}

func (c *Root) fail(msg string) { c.err, c.errAt = msg, "" }

func (c *Root) model() *protocol.ModelInfo { return c.info }

// svgOf returns a chart's SVG, or "" after showing on the page why it could not be drawn.
func svgOf(p page, ch interface{ SVG() (string, error) }) string {
	s, err := ch.SVG()
	if err != nil {
		p.fail(err.Error())
		return ""
	}
	return s
}
