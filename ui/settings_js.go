//go:build js && wasm

package main

import "syscall/js"

// Setting reads one of the page's settings from the browser's localStorage; "" when it has none (or
// the browser keeps no storage for the page).
func (h *browserHost) Setting(name string) string {
	storage := localStorage()
	if !storage.Truthy() {
		return ""
	}
	v := storage.Call("getItem", "bertology."+name)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// SetSetting keeps one of the page's settings in localStorage; "" removes it.
func (h *browserHost) SetSetting(name, value string) {
	storage := localStorage()
	if !storage.Truthy() {
		return
	}
	defer func() { recover() }() // a full storage, or one the browser refuses, keeps the setting for this visit only
	if value == "" {
		storage.Call("removeItem", "bertology."+name)
		return
	}
	storage.Call("setItem", "bertology."+name, value)
}

// localStorage is the page's, or undefined where reading it throws (storage turned off).
func localStorage() (v js.Value) {
	defer func() {
		if recover() != nil {
			v = js.Undefined()
		}
	}()
	return js.Global().Get("localStorage")
}
