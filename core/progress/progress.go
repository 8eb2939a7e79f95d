// Package progress is how the core's long computations say how far they have got. Each takes a
// context.Context, which cancels it (the computation then returns an error that errors.Is
// context.Canceled), and a Func, which only listens: it cannot stop the work, and may be nil.
package progress

import (
	"context"
	"io"
	"time"
)

// Report says how far a computation has got: Done of Total steps of its current Phase.
type Report struct {
	Phase       string
	Done, Total int
	// Loss is training's mean loss over the epoch so far; 0 for every other computation.
	Loss float64
}

// Func receives reports. A nil Func ignores them.
type Func func(Report)

// Send gives f the report r, if f is not nil.
func (f Func) Send(r Report) {
	if f != nil {
		f(r)
	}
}

// Phase returns a Func that gives f each report with its Phase set to phase.
func (f Func) Phase(phase string) Func {
	if f == nil {
		return nil
	}
	return func(r Report) {
		r.Phase = phase
		f(r)
	}
}

// Throttle returns a Func that passes on to f the first and the last step of each phase and the others
// at most once every interval: each report costs its listener something (a browser message and a
// render, a terminal redraw), so a fast computation must not send one per step.
func Throttle(f Func, every time.Duration) Func {
	if f == nil {
		return nil
	}
	var last time.Time
	var phase string
	return func(r Report) {
		now := time.Now()
		if r.Phase != phase || r.Done <= 1 || r.Done >= r.Total || now.Sub(last) >= every {
			last, phase = now, r.Phase
			f(r)
		}
	}
}

// Reader returns a reader of r that reports the bytes read through it to f as Done of total (a
// download's length; nothing is reported when total is negative, unknown), and that stops with ctx's
// error once ctx is done: what a connection has buffered would otherwise still be read after a cancel.
func Reader(ctx context.Context, r io.Reader, total int64, f Func) io.Reader {
	return &reader{ctx: ctx, r: r, total: total, report: f}
}

type reader struct {
	ctx    context.Context
	r      io.Reader
	done   int64
	total  int64
	report Func
}

func (c *reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if n > 0 && c.total >= 0 {
		c.done += int64(n)
		c.report.Send(Report{Done: int(c.done), Total: int(c.total)})
	}
	return n, err
}
