//go:build js && wasm

package main

import "syscall/js"

// The saved session lives in IndexedDB through public/session.js (bertologySession).

func (h *browserHost) LoadSession() (string, error) {
	v, err := await(js.Global().Get("bertologySession").Call("load"))
	if err != nil {
		return "", err
	}
	if v.Type() != js.TypeString {
		return "", nil
	}
	return v.String(), nil
}

func (h *browserHost) SaveSession(data string) {
	js.Global().Get("bertologySession").Call("save", data)
}

func (h *browserHost) ClearSession() { js.Global().Get("bertologySession").Call("clear") }

func (h *browserHost) StartAnew() {
	js.Global().Get("bertologySession").Call("clear").Call("then", js.Global().Get("location").Get("reload").Call("bind", js.Global().Get("location")))
}
