//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"syscall/js"
	"time"

	"bertology/wasm/lab"
	"bertology/wasm/protocol"
)

// server turns JavaScript calls into lab requests. Requests run one at a time, in arrival order, on one
// goroutine, because the lab holds one model and wasm has one thread anyway; cancel is answered at
// once, inside the JavaScript call, so that it reaches a request that is queued or running.
type server struct {
	lab  *lab.Lab
	wake chan struct{} // tells serve that waiting has grown

	mu      sync.Mutex
	waiting []*job       // queued requests, oldest first; the JavaScript thread must never block on adding one
	pending map[int]*job // requests queued or running that have an id, for cancel
}

// job is one queued request and the promise it settles.
type job struct {
	op              string
	id              int
	fields          map[string]any
	ctx             context.Context
	cancel          context.CancelFunc
	onProgress      js.Value
	progressErr     error // what onProgress threw; it stops the request
	resolve, reject js.Value
}

func newServer(l *lab.Lab) *server {
	return &server{lab: l, wake: make(chan struct{}, 1), pending: map[int]*job{}}
}

// handle is bertologyHandle(request, onProgress). It never throws: every failure rejects the promise.
func (s *server) handle(_ js.Value, args []js.Value) any {
	var resolve, reject js.Value
	executor := js.FuncOf(func(_ js.Value, a []js.Value) any {
		resolve, reject = a[0], a[1]
		return nil
	})
	promise := js.Global().Get("Promise").New(executor)
	executor.Release()

	j, answer, err := s.accept(args)
	switch {
	case err != nil:
		reject.Invoke(jsError(err))
	case j == nil:
		v, _ := protocol.ToJS(protocol.Encode(answer))
		resolve.Invoke(v)
	default:
		j.resolve, j.reject = resolve, reject
		s.mu.Lock()
		s.waiting = append(s.waiting, j)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return promise
}

// accept reads a request. It answers cancel itself, returning the answer, and returns a job for
// everything else.
func (s *server) accept(args []js.Value) (j *job, answer any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError("bertologyHandle", r)
		}
	}()
	if len(args) == 0 {
		return nil, nil, errors.New("bertologyHandle: no request: call bertologyHandle({op, ...}, onProgress)")
	}
	tree, err := protocol.FromJS(args[0])
	if err != nil {
		return nil, nil, fmt.Errorf("request: %w", err)
	}
	op, id, fields, err := protocol.SplitRequest(tree)
	if err != nil {
		return nil, nil, err
	}
	if op == protocol.OpCancel {
		var req protocol.CancelRequest
		if err := protocol.Decode(fields, &req); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		return nil, &protocol.CancelResult{Cancelled: s.cancel(req.Target)}, nil
	}
	if !s.lab.Knows(op) {
		return nil, nil, fmt.Errorf("unknown op %q (known: %s, %s)", op, s.lab.Ops(), protocol.OpCancel)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j = &job{op: op, id: id, fields: fields, ctx: ctx, cancel: cancel}
	if len(args) > 1 && args[1].Type() == js.TypeFunction {
		j.onProgress = args[1]
	}
	if id != 0 {
		s.mu.Lock()
		if _, dup := s.pending[id]; dup {
			s.mu.Unlock()
			cancel()
			return nil, nil, fmt.Errorf("%s: request id %d is already in use by a request that has not finished", op, id)
		}
		s.pending[id] = j
		s.mu.Unlock()
	}
	return j, nil, nil
}

// cancel stops the request with the given id and reports whether there was one.
func (s *server) cancel(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.pending[id]
	if ok {
		j.cancel()
		delete(s.pending, id)
	}
	return ok
}

// serve runs the queued requests, one at a time, oldest first.
func (s *server) serve() {
	for range s.wake {
		for {
			s.mu.Lock()
			if len(s.waiting) == 0 {
				s.mu.Unlock()
				break
			}
			j := s.waiting[0]
			s.waiting = s.waiting[1:]
			s.mu.Unlock()
			s.run(j)
		}
	}
}

// run settles one job's promise. A panic in the lab rejects the promise with the panic's message and
// stack instead of killing the module.
func (s *server) run(j *job) {
	defer func() {
		if r := recover(); r != nil {
			j.reject.Invoke(jsError(internalError(j.op, r)))
		}
		j.cancel()
		s.mu.Lock()
		if s.pending[j.id] == j {
			delete(s.pending, j.id)
		}
		s.mu.Unlock()
	}()
	if err := j.ctx.Err(); err != nil {
		j.reject.Invoke(jsError(&cancelledError{op: j.op, when: " before it started"}))
		return
	}
	result, err := s.lab.Handle(j.ctx, j.op, j.fields, func(p protocol.Progress) { s.progress(j, p) })
	if err != nil {
		switch {
		case j.progressErr != nil:
			err = fmt.Errorf("%s: stopped because onProgress threw: %w", j.op, j.progressErr)
		case errors.Is(err, context.Canceled):
			err = &cancelledError{op: j.op}
		}
		j.reject.Invoke(jsError(err))
		return
	}
	v, _ := protocol.ToJS(protocol.Encode(result))
	j.resolve.Invoke(v)
}

// progress reports to the caller, then gives the JavaScript event loop a turn, so that the report is
// delivered and a cancel request can get in before the work goes on. If the caller's onProgress
// throws, the request stops.
func (s *server) progress(j *job, p protocol.Progress) {
	if j.onProgress.Type() == js.TypeFunction && j.progressErr == nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					j.progressErr = fmt.Errorf("%v", r)
					j.cancel()
				}
			}()
			v, _ := protocol.ToJS(protocol.Encode(&p))
			j.onProgress.Invoke(v)
		}()
	}
	// Sleeping parks the only runnable goroutine, so the Go runtime returns to the event loop until
	// the timer fires.
	time.Sleep(time.Millisecond)
}

// jsError is err as a JavaScript Error; one that ends a cancelled request also has cancelled: true, so
// that callers need not read the message.
func jsError(err error) js.Value {
	e := js.Global().Get("Error").New(err.Error())
	if errors.Is(err, context.Canceled) {
		e.Set("cancelled", true)
	}
	return e
}

// cancelledError ends a request that a cancel request stopped: "op: cancelled" to JavaScript, and
// context.Canceled to errors.Is.
type cancelledError struct {
	op   string
	when string // "" while it ran, or " before it started"
}

func (e *cancelledError) Error() string { return e.op + ": cancelled" + e.when }
func (e *cancelledError) Unwrap() error { return context.Canceled }

// internalError describes a panic in the named operation: a bug in bertology, not bad input, so it
// carries the stack.
func internalError(during string, r any) error {
	return fmt.Errorf("internal error in %s: %v (the lab is still usable; please report this)\n%s", during, r, debug.Stack())
}
