package parallel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestOrderedSameSums checks what the package promises: a float32 sum whose value depends on its order
// comes out bit for bit the same for any number of workers, with the steps finishing out of order.
func TestOrderedSameSums(t *testing.T) {
	const n = 200
	sum := func(workers int) float32 {
		var s float32
		err := Ordered(context.Background(), workers, n, func(k int) (float32, error) {
			if k%7 == 0 {
				time.Sleep(time.Millisecond) // finish out of order
			}
			return float32(math.Pow(1.37, float64(k%40))) / float32(k+1), nil
		}, func(k int, v float32) error {
			s += v
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := sum(1)
	for _, w := range []int{2, 3, 8, 500} {
		if got := sum(w); got != want {
			t.Errorf("%d workers: sum %v, one worker %v", w, got, want)
		}
	}
}

func TestOrderedReducesInOrder(t *testing.T) {
	for _, workers := range []int{1, 4} {
		var seen []int
		var running, most atomic.Int32
		err := Ordered(context.Background(), workers, 50, func(k int) (int, error) {
			r := running.Add(1)
			for {
				m := most.Load()
				if r <= m || most.CompareAndSwap(m, r) {
					break
				}
			}
			time.Sleep(time.Duration(50-k) * 20 * time.Microsecond)
			running.Add(-1)
			return k * k, nil
		}, func(k int, v int) error {
			if v != k*k {
				return fmt.Errorf("step %d reduced with %d", k, v)
			}
			seen = append(seen, k)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range seen {
			if i != k {
				t.Fatalf("%d workers: reduced %v, want 0..49 in order", workers, seen)
			}
		}
		if int(most.Load()) > workers {
			t.Errorf("%d workers: %d steps ran at once", workers, most.Load())
		}
	}
}

func TestOrderedStops(t *testing.T) {
	boom := errors.New("boom")
	for _, workers := range []int{1, 3} {
		var reduced []int
		err := Ordered(context.Background(), workers, 20, func(k int) (int, error) {
			if k == 5 {
				return 0, boom
			}
			return k, nil
		}, func(k int, v int) error {
			reduced = append(reduced, k)
			return nil
		})
		if !errors.Is(err, boom) || len(reduced) != 5 {
			t.Errorf("%d workers: error %v after reducing %v; want boom after 0..4", workers, err, reduced)
		}

		ctx, cancel := context.WithCancel(context.Background())
		reduced = nil
		err = Ordered(ctx, workers, 20, func(k int) (int, error) { return k, nil }, func(k int, v int) error {
			reduced = append(reduced, k)
			if k == 2 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || len(reduced) != 3 {
			t.Errorf("%d workers: error %v after reducing %v; want context.Canceled after 0..2", workers, err, reduced)
		}
	}
}

func TestGroups(t *testing.T) {
	for _, tt := range []struct {
		name           string
		sizes          []int
		least, workers int
		want           []int
	}{
		{"one a group without least", []int{5, 5, 5}, 0, 1, []int{0, 1, 2, 3}},
		{"until least", []int{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, 10, 1, []int{0, 3, 6, 9, 12, 15, 16}},
		{"at most a quarter each", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 100, 1, []int{0, 4, 8, 12, 16}},
		{"shorter with more workers", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 100, 2, []int{0, 2, 4, 6, 8, 10, 12, 14, 16}},
		{"a big step ends its group", []int{1, 50, 1, 1, 1, 1, 1, 1}, 10, 1, []int{0, 2, 4, 6, 8}},
		{"none", nil, 10, 1, []int{0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Groups(len(tt.sizes), func(k int) int { return tt.sizes[k] }, tt.least, tt.workers)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Groups = %v, want %v", got, tt.want)
			}
		})
	}
}
