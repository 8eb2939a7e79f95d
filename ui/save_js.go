//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
)

// pngScale renders saved PNGs at twice the SVG's size, so that they stay sharp on paper and on
// high-density screens.
const pngScale = 2

func (h *browserHost) Save(name, svg string, png bool) error {
	doc := js.Global().Get("document")
	blob := js.Global().Get("Blob").New([]any{svg}, map[string]any{"type": "image/svg+xml"})
	if !png {
		download(blob, name+".svg")
		return nil
	}
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	defer js.Global().Get("URL").Call("revokeObjectURL", url)

	img := js.Global().Get("Image").New()
	loaded := make(chan error, 1)
	onload := js.FuncOf(func(js.Value, []js.Value) any { loaded <- nil; return nil })
	onerror := js.FuncOf(func(js.Value, []js.Value) any {
		loaded <- errors.New("saving " + name + ".png: the browser could not draw the SVG")
		return nil
	})
	defer onload.Release()
	defer onerror.Release()
	img.Set("onload", onload)
	img.Set("onerror", onerror)
	img.Set("src", url)
	if err := <-loaded; err != nil {
		return err
	}

	w, hgt := img.Get("naturalWidth").Int(), img.Get("naturalHeight").Int()
	canvas := doc.Call("createElement", "canvas")
	canvas.Set("width", w*pngScale)
	canvas.Set("height", hgt*pngScale)
	ctx := canvas.Call("getContext", "2d")
	ctx.Call("scale", pngScale, pngScale)
	ctx.Call("drawImage", img, 0, 0)

	encoded := make(chan js.Value, 1)
	onblob := js.FuncOf(func(_ js.Value, args []js.Value) any { encoded <- args[0]; return nil })
	defer onblob.Release()
	canvas.Call("toBlob", onblob, "image/png")
	pngBlob := <-encoded
	if pngBlob.IsNull() {
		return errors.New("saving " + name + ".png: the browser could not encode the PNG")
	}
	download(pngBlob, name+".png")
	return nil
}

// download offers blob as a file through a temporary link.
func download(blob js.Value, filename string) {
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	a := js.Global().Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", filename)
	a.Call("click")
	// The download starts from the click; the URL may go a little later.
	var revoke js.Func
	revoke = js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		revoke.Release()
		return nil
	})
	js.Global().Call("setTimeout", revoke, 10000)
}
