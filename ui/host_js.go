//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	vjs "github.com/vugu/vugu/js"

	"bertology/wasm/protocol"
)

// browserHost talks to the lab's Web Worker with postMessage and saves files through download links.
type browserHost struct {
	worker js.Value

	mu     sync.Mutex
	broken error // set when the worker has failed; every call fails with it
	nextID int
	calls  map[int]*pendingCall // by request id
	inbox  []any                // worker messages not yet delivered, in arrival order
	wake   chan struct{}
}

type pendingCall struct {
	progress func(protocol.Progress)
	done     chan reply
}

type reply struct {
	result any
	err    error
}

// newBrowserHost talks to the worker main.js started, or starts one running script.
func newBrowserHost(script string) *browserHost {
	h := &browserHost{calls: map[int]*pendingCall{}, wake: make(chan struct{}, 1)}
	h.worker = js.Global().Get("bertologyWorker")
	if h.worker.IsUndefined() {
		h.worker = js.Global().Get("Worker").New(script)
	}
	h.worker.Set("onmessage", js.FuncOf(h.onMessage))
	h.worker.Set("onerror", js.FuncOf(h.onError))
	if msg := h.worker.Get("startError"); msg.Type() == js.TypeString {
		h.fail(msg.String())
	}
	go h.deliverAll()
	return h
}

// onMessage runs in a JavaScript callback, which must not block: it converts the message while the
// JavaScript value is at hand and leaves the rest to deliverAll.
func (h *browserHost) onMessage(_ js.Value, args []js.Value) any {
	msg, err := protocol.FromJS(args[0].Get("data"))
	if err != nil {
		js.Global().Get("console").Call("error", "bertology: a message from the worker that cannot be read:", err.Error())
		return nil
	}
	h.mu.Lock()
	h.inbox = append(h.inbox, msg)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return nil
}

// onError fails every pending call and every later one: the worker could not start, or threw
// outside a request.
func (h *browserHost) onError(_ js.Value, args []js.Value) any {
	msg := ""
	if len(args) > 0 && args[0].Get("message").Type() == js.TypeString {
		msg = args[0].Get("message").String()
	}
	h.fail(msg)
	return nil
}

func (h *browserHost) fail(msg string) {
	err := errors.New("the lab's worker failed; reload the page")
	if msg != "" {
		err = fmt.Errorf("the lab's worker failed (%s); reload the page", msg)
	}
	h.mu.Lock()
	h.broken = err
	calls := h.calls
	h.calls = map[int]*pendingCall{}
	h.mu.Unlock()
	for _, c := range calls {
		c.done <- reply{err: err}
	}
}

// deliverAll hands the worker's messages to their calls in the order they came, on one goroutine.
func (h *browserHost) deliverAll() {
	for range h.wake {
		h.mu.Lock()
		msgs := h.inbox
		h.inbox = nil
		h.mu.Unlock()
		for _, m := range msgs {
			h.deliver(m)
		}
	}
}

func (h *browserHost) deliver(msg any) {
	var m struct {
		ID       int                `js:"id"`
		Progress *protocol.Progress `js:"progress"`
		Result   any                `js:"result"`
		Error    *string            `js:"error"`
		Exited   bool               `js:"exited"` // the lab's Go program ended; the worker restarted it
	}
	if err := protocol.Decode(msg, &m); err != nil {
		js.Global().Get("console").Call("error", "bertology: a message from the worker that is not an answer:", err.Error())
		return
	}
	h.mu.Lock()
	c := h.calls[m.ID]
	if m.Progress == nil {
		delete(h.calls, m.ID)
	}
	h.mu.Unlock()
	switch {
	case c == nil:
	case m.Progress != nil:
		if c.progress != nil {
			c.progress(*m.Progress)
		}
	case m.Error != nil && m.Exited:
		c.done <- reply{err: &labRestarted{}}
	case m.Error != nil:
		c.done <- reply{err: errors.New(*m.Error)}
	default:
		c.done <- reply{result: m.Result}
	}
}

func (h *browserHost) send(op string, req any, progress func(protocol.Progress)) reply {
	c := &pendingCall{progress: progress, done: make(chan reply, 1)}
	h.mu.Lock()
	if h.broken != nil {
		h.mu.Unlock()
		return reply{err: h.broken}
	}
	h.nextID++
	id := h.nextID
	h.calls[id] = c
	h.mu.Unlock()
	v, transfer := protocol.ToJS(protocol.NewRequest(op, id, req))
	h.worker.Call("postMessage", v, js.ValueOf(transfer))
	return <-c.done
}

func (h *browserHost) Call(op string, req, result any, progress func(protocol.Progress)) error {
	r := h.send(op, req, progress)
	if r.err != nil {
		return r.err
	}
	if err := protocol.Decode(r.result, result); err != nil {
		return fmt.Errorf("%s: the lab's answer does not fit: %w", op, err)
	}
	return nil
}

// Cancel sends the lab a cancel request for every call in flight. Each goes from its own goroutine,
// since sending waits for the answer.
func (h *browserHost) Cancel() {
	h.mu.Lock()
	targets := make([]int, 0, len(h.calls))
	for id := range h.calls {
		targets = append(targets, id)
	}
	h.mu.Unlock()
	for _, id := range targets {
		go h.send(protocol.OpCancel, &protocol.CancelRequest{Target: id}, nil)
	}
}

func (h *browserHost) LoadFiles(input vjs.Value, result *protocol.ModelInfo, progress func(protocol.Progress)) error {
	files := js.Value(input).Get("files")
	if files.Length() == 0 {
		return errors.New("no files picked")
	}
	// File objects go to the worker as they are; it reads them there, so their bytes cross no thread
	// boundary twice.
	list := make([]any, files.Length())
	for i := range list {
		list[i] = files.Index(i)
	}
	return h.Call("loadModelFiles", map[string]any{"files": list}, result, progress)
}

// PageURL is the page's address, which the URL field's relative addresses resolve against.
func (h *browserHost) PageURL() string { return js.Global().Get("location").Get("href").String() }
