package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws "desc: 42%|████      | 5/12 [00:03<00:04]" on one terminal line, as tqdm does for
// run_bertology.py, redrawing at most ten times a second.
type progressBar struct {
	w     io.Writer
	desc  string
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, desc string) *progressBar {
	now := time.Now()
	return &progressBar{w: w, desc: desc, start: now}
}

// update draws done of total; it never fails, so it can serve as a progress callback.
func (p *progressBar) update(done, total int) error {
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return nil
	}
	p.last = now
	const width = 20
	filled := width * done / max(total, 1)
	elapsed := now.Sub(p.start)
	var left time.Duration
	if done > 0 {
		left = elapsed * time.Duration(total-done) / time.Duration(done)
	}
	fmt.Fprintf(p.w, "\r%s: %3d%%|%s%s| %d/%d [%s<%s]", p.desc, 100*done/max(total, 1),
		strings.Repeat("█", filled), strings.Repeat(" ", width-filled), done, total, clock(elapsed), clock(left))
	if done == total {
		fmt.Fprintln(p.w)
	}
	return nil
}

func clock(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
