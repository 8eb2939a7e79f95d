package main

import (
	"strings"
	"testing"

	"github.com/vugu/vugu"
)

// TestGuardRecoversHandlers checks that guard makes a build's handlers, nested ones included, recover
// from a panic and report it once, that one that returns runs as before, and that a node Vugu reuses
// in the next build is not wrapped twice.
func TestGuardRecoversHandlers(t *testing.T) {
	var failures []any
	g := &guard{failed: func(v any) { failures = append(failures, v) }}
	ran := 0
	form := &vugu.VGNode{Data: "form", DOMEventHandlerSpecList: []vugu.DOMEventHandlerSpec{
		{EventType: "submit", Func: func(vugu.DOMEvent) { panic("index out of range") }}}}
	button := &vugu.VGNode{Data: "button", DOMEventHandlerSpecList: []vugu.DOMEventHandlerSpec{
		{EventType: "click", Func: func(vugu.DOMEvent) { ran++ }}}}
	form.NextSibling = button
	root := &vugu.VGNode{Data: "div", FirstChild: form, LastChild: button}
	results := &vugu.BuildResults{Out: &vugu.BuildOut{Out: []*vugu.VGNode{root}}}

	for build := range 2 { // the second build reuses every node
		g.handlers(results)
		form.DOMEventHandlerSpecList[0].Func(nil)
		button.DOMEventHandlerSpecList[0].Func(nil)
		if len(failures) != build+1 || failures[build] != "index out of range" || ran != build+1 {
			t.Fatalf("build %d: failures %v, handler ran %d times; want one more of each", build, failures, ran)
		}
	}
}

// TestRootRecoversPanics checks that a panic in a job or under update shows as an error, with the
// page idle and its lock free, so that it works on.
func TestRootRecoversPanics(t *testing.T) {
	c, _ := startRoot(t)
	handle(c, func() { c.do("Failing", func() (func(), error) { panic("boom in a job") }) })
	waitIdle(t, c)
	if !strings.Contains(c.err, "internal error: boom in a job") {
		t.Errorf("panicking job: error %q", c.err)
	}
	c.update(func() { panic("boom under the lock") })
	if !strings.Contains(c.err, "internal error: boom under the lock") || c.busy != "" {
		t.Errorf("panicking update: error %q, busy %q", c.err, c.busy)
	}
	handle(c, func() { c.SetText(event{value: "hello"}); c.Run(event{}) })
	waitIdle(t, c)
	if c.err != "" || c.result == nil {
		t.Errorf("after the panics, running fails: error %q", c.err)
	}
}
