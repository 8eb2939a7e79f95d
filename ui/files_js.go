//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	vjs "github.com/vugu/vugu/js"
)

// ReadFile reads the first file picked in a file input: a data file, small enough to read whole.
func (h *browserHost) ReadFile(input vjs.Value) (string, []byte, error) {
	files := js.Value(input).Get("files")
	if files.Length() == 0 {
		return "", nil, errors.New("no file picked")
	}
	file := files.Index(0)
	name := file.Get("name").String()
	type read struct {
		buf js.Value
		err error
	}
	done := make(chan read, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any { done <- read{buf: args[0]}; return nil })
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- read{err: errors.New(name + ": " + args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer fail.Release()
	file.Call("arrayBuffer").Call("then", then, fail)
	r := <-done
	if r.err != nil {
		return "", nil, r.err
	}
	data := make([]byte, r.buf.Get("byteLength").Int())
	js.CopyBytesToGo(data, js.Global().Get("Uint8Array").New(r.buf))
	return name, data, nil
}

// SaveFile offers data for download as name.
func (h *browserHost) SaveFile(name string, data []byte) error {
	u8 := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	download(js.Global().Get("Blob").New([]any{u8}, map[string]any{"type": "application/octet-stream"}), name)
	return nil
}

// SiteFile fetches a file of the site by its path, relative to the page (through the service worker,
// which keeps a copy offline).
func (h *browserHost) SiteFile(path string) ([]byte, error) {
	buf, err := await(js.Global().Get("bertologySiteFile").Invoke(path))
	if err != nil {
		return nil, errors.New(path + ": " + err.Error())
	}
	data := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(data, js.Global().Get("Uint8Array").New(buf))
	return data, nil
}

// await waits for a promise, from a goroutine that may block (never an event handler's).
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	done := make(chan settled, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any { done <- settled{v: args[0]}; return nil })
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer fail.Release()
	p.Call("then", then, fail)
	r := <-done
	return r.v, r.err
}
