package main

import (
	"fmt"

	"github.com/vugu/vugu"
)

// guard keeps an error in one view from taking the page down. Vugu calls event handlers from the
// browser's event callback, where a panic ends the Go program and leaves a dead page whose next click
// submits its forms natively; guard makes each handler of a build recover instead and hand the panic
// to failed, which shows it.
type guard struct {
	failed func(v any)
	// wrapped holds the nodes whose handlers recover already, as of the last build: Vugu reuses a
	// component's output while the component has not changed, and a handler is wrapped once.
	wrapped map[*vugu.VGNode]bool
}

// handlers makes every DOM event handler in results recover from panics.
func (g *guard) handlers(results *vugu.BuildResults) {
	seen := make(map[*vugu.VGNode]bool, len(g.wrapped))
	var walk func(n *vugu.VGNode)
	walk = func(n *vugu.VGNode) {
		for ; n != nil; n = n.NextSibling {
			if seen[n] {
				continue // reached again from a component's output: its subtree is done
			}
			seen[n] = true
			if !g.wrapped[n] {
				for i := range n.DOMEventHandlerSpecList {
					n.DOMEventHandlerSpecList[i].Func = g.recovering(n.DOMEventHandlerSpecList[i].Func)
				}
			}
			if n.Component != nil {
				if out := results.ResultFor(n.Component); out != nil {
					for _, c := range out.Out {
						walk(c)
					}
				}
			}
			walk(n.FirstChild)
		}
	}
	if results.Out != nil {
		for _, n := range results.Out.Out {
			walk(n)
		}
	}
	g.wrapped = seen
}

func (g *guard) recovering(f func(vugu.DOMEvent)) func(vugu.DOMEvent) {
	if f == nil {
		return nil
	}
	return func(event vugu.DOMEvent) {
		defer func() {
			if v := recover(); v != nil {
				g.failed(v)
			}
		}()
		f(event)
	}
}

// panicMessage is what the page shows for a panic v in one of its parts.
func panicMessage(v any) string {
	return fmt.Sprintf("internal error: %v. The page works on; the last action may not have finished.", v)
}
