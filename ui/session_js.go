//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	vjs "github.com/vugu/vugu/js"

	"bertology/wasm/protocol"
)

// The saved session lives in IndexedDB through public/session.js (bertologySession), with the bytes of
// the data file and of the picked model files beside it.

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

func (h *browserHost) SaveData(data []byte) {
	u8 := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	js.Global().Get("bertologySession").Call("saveData", u8)
}

func (h *browserHost) LoadData() ([]byte, error) {
	buf, err := await(js.Global().Get("bertologySession").Call("loadData"))
	if err != nil || buf.IsNull() || buf.IsUndefined() {
		return nil, err
	}
	data := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(data, js.Global().Get("Uint8Array").New(buf))
	return data, nil
}

func (h *browserHost) SavePicked(input vjs.Value) {
	js.Global().Get("bertologySession").Call("savePicked", js.Value(input).Get("files"))
}

// LoadPicked sends the kept files to the worker as LoadFiles sends picked ones: their Blobs, read there.
func (h *browserHost) LoadPicked(result *protocol.ModelInfo, progress func(protocol.Progress)) error {
	files, err := await(js.Global().Get("bertologySession").Call("loadPicked"))
	if err != nil {
		return err
	}
	if files.IsNull() || files.IsUndefined() || files.Length() == 0 {
		return errors.New("the picked files are not kept")
	}
	return h.Call("loadModelFiles", map[string]any{"files": files}, result, progress)
}
