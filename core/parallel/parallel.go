// Package parallel runs a data-set pass's independent steps (one batch each) on several goroutines
// while keeping its result exactly what one goroutine computes: every step's result is reduced in step
// order, so the floating-point sums are the same sums whatever the number of workers.
package parallel

import (
	"context"
	"runtime"
	"sync"
)

// Workers is the number of goroutines a pass uses when it is not told: one per CPU (GOMAXPROCS). In
// js/wasm that is 1, and the browser parallelises with Web Workers instead.
func Workers() int { return runtime.GOMAXPROCS(0) }

// Ordered calls work(k) for k = 0, …, n-1 on up to workers goroutines (at least one), and reduce(k,
// result) for each k in increasing order on the calling goroutine. It stops at the first error of work
// or reduce, or once ctx is cancelled, and returns that error (ctx.Err() for a cancellation); results
// after it are not reduced. At most 2·workers results wait to be reduced at any time.
func Ordered[T any](ctx context.Context, workers, n int, work func(k int) (T, error), reduce func(k int, r T) error) error {
	workers = max(1, min(workers, n))
	if workers == 1 {
		for k := 0; k < n; k++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := work(k)
			if err != nil {
				return err
			}
			if err := reduce(k, r); err != nil {
				return err
			}
		}
		return nil
	}

	type result struct {
		r   T
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	slots := make([]chan result, n) // slot k receives work(k)'s result
	for k := range slots {
		slots[k] = make(chan result, 1)
	}
	window := make(chan struct{}, 2*workers) // results computed but not yet reduced, plus those running
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				r, err := work(k)
				slots[k] <- result{r, err}
			}
		}()
	}
	go func() { // hand out the steps in order, no further ahead of the reducer than the window allows
		defer close(next)
		for k := 0; k < n; k++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { // stop the feeder first: idle workers wait on it
		cancel()
		wg.Wait()
	}()
	for k := 0; k < n; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var res result
		select {
		case res = <-slots[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if res.err != nil {
			return res.err
		}
		if err := reduce(k, res.r); err != nil {
			return err
		}
	}
	return nil
}
