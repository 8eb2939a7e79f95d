//go:build js && wasm

package main

import (
	"fmt"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
)

func main() {
	renderer, err := domrender.New("#app")
	if err != nil {
		panic(err)
	}
	defer renderer.Release()
	buildEnv, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		panic(err)
	}
	root := &Root{Host: newBrowserHost("worker.js"), Env: renderer.EventEnv()}
	// Event handlers run with the lock held, so a panic in one is shown directly.
	handlers := &guard{failed: root.failed}
	render := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("%v", v)
			}
		}()
		results := buildEnv.RunBuild(root)
		handlers.handlers(results)
		return renderer.Render(results)
	}
	root.Start()
	failures := 0 // renders failed in a row
	for ok := true; ok; ok = renderer.EventWait() {
		err := render()
		if err == nil {
			failures = 0
			continue
		}
		println("bertology: render failed:", err.Error())
		// The first failure drops the result and renders again (update's unlock asks for it); a page
		// that fails without it too waits for the next event rather than spin.
		if failures++; failures == 1 {
			root.update(func() { root.renderFailed(err) })
		}
	}
}
