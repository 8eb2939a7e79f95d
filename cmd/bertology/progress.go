package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"bertology/core/progress"
)

// redrawEvery is how often a progress bar is redrawn at most: ten times a second, as tqdm does.
const redrawEvery = 100 * time.Millisecond

// progressBar draws "desc: 42%|████      | 5/12 [00:03<00:04]" on one terminal line, as tqdm does for
// run_bertology.py.
type progressBar struct {
	w     io.Writer
	desc  string
	start time.Time
}

// bar returns a progress callback that draws a bar on w for each count in turn (a phase, or a loop whose
// passes count on as one), labelled desc, its phase, or both (and training's loss so far).
func bar(w io.Writer, desc string) progress.Func {
	var p *progressBar
	var total, done int
	return progress.Throttle(func(r progress.Report) {
		// A new count starts a new bar: a phase of its own, or a loop's pass counted on from the last.
		if p == nil || r.Total != total || r.Done < done {
			p, total = &progressBar{w: w, start: time.Now()}, r.Total
		}
		done = r.Done
		switch {
		case desc == "":
			p.desc = r.Phase
		case r.Phase == "":
			p.desc = desc
		default:
			p.desc = desc + ": " + r.Phase
		}
		if r.Loss != 0 {
			p.desc += fmt.Sprintf(" (loss %.4f)", r.Loss)
		}
		p.draw(r.Done, r.Total)
	}, redrawEvery)
}

// draw draws done of total, and ends the line when all is done.
func (p *progressBar) draw(done, total int) {
	const width = 20
	filled := width * done / max(total, 1)
	elapsed := time.Since(p.start)
	var left time.Duration
	if done > 0 {
		left = elapsed * time.Duration(total-done) / time.Duration(done)
	}
	fmt.Fprintf(p.w, "\r%s: %3d%%|%s%s| %d/%d [%s<%s]", p.desc, 100*done/max(total, 1),
		strings.Repeat("█", filled), strings.Repeat(" ", width-filled), done, total, clock(elapsed), clock(left))
	if done == total {
		fmt.Fprintln(p.w)
	}
}

func clock(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
