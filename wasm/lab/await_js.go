//go:build js && wasm

package lab

import (
	"errors"
	"syscall/js"
)

// await blocks its goroutine until the promise settles, and returns its value as convert makes it,
// or its rejection (or convert's error) as an error. Go's js/wasm scheduler returns to the JavaScript event loop while every
// goroutine waits, so the answer gets in.
func await(promise js.Value, convert func(js.Value) (any, error)) (any, error) {
	type settled struct {
		v   any
		err error
	}
	done := make(chan settled, 1)
	// The callbacks run on the event loop and must not block: they convert the value while it is at
	// hand and leave.
	onValue := js.FuncOf(func(_ js.Value, a []js.Value) any {
		v, err := convert(a[0])
		done <- settled{v: v, err: err}
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, a []js.Value) any {
		msg := js.Global().Get("String").Invoke(a[0]).String()
		if a[0].Type() == js.TypeObject && a[0].Get("message").Type() == js.TypeString {
			msg = a[0].Get("message").String()
		}
		done <- settled{err: errors.New(msg)}
		return nil
	})
	defer onValue.Release()
	defer onError.Release()
	promise.Call("then", onValue, onError)
	s := <-done
	return s.v, s.err
}
