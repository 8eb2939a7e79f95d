package bertology

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"bertology/core/model"
	"bertology/core/progress"
)

// countingRunner answers with a fixed gradient (so a fixed importance order) and a logit that is the
// number of heads left on, so a test's score follows the mask.
type countingRunner struct {
	layers, heads int
	grad          []float32
}

func (r *countingRunner) Shape() (int, int) { return r.layers, r.heads }

func (r *countingRunner) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	on := float32(len(r.grad))
	if headMask != nil {
		on = float32(countOn(headMask))
	}
	return &Step{Logits: []float32{on}, HeadMaskGrad: r.grad}, nil
}

func TestMaskHeads(t *testing.T) {
	batches := []*model.Batch{{Size: 1, SeqLen: 2, InputIDs: []int{0, 0}}}
	r := &countingRunner{layers: 2, heads: 2, grad: []float32{0.4, -0.1, 0.3, 0.2}}
	fractionOn := func(imp *Importance) (float64, error) { return float64(imp.Logits[0]) / 4, nil }

	t.Run("stops below threshold", func(t *testing.T) {
		// One head per round, least important first: 1, 3, 2. Scores 0.75, 0.5, 0.25; 0.25 < 0.5 stops,
		// so the last mask meeting the threshold is the one with heads 1 and 3 off.
		m, err := MaskHeads(t.Context(), r, batches, MaskingOptions{Threshold: 0.5, Amount: 0.25, Score: fractionOn})
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{1, 0, 1, 0}
		for i := range want {
			if m.Final[i] != want[i] {
				t.Fatalf("final mask %v, want %v", m.Final, want)
			}
		}
		if len(m.Rounds) != 3 || m.Rounds[2].Masked[0] != 2 || m.FinalScore != 0.5 {
			t.Fatalf("rounds %+v, final score %v", m.Rounds, m.FinalScore)
		}
		if !strings.Contains(m.Ended, "fell below") {
			t.Fatalf("ended: %q", m.Ended)
		}
	})
	t.Run("ends when every head is masked", func(t *testing.T) {
		always := func(*Importance) (float64, error) { return 1, nil }
		m, err := MaskHeads(t.Context(), r, batches, MaskingOptions{Threshold: 0.9, Amount: 0.5, Score: always})
		if err != nil {
			t.Fatal(err)
		}
		if countOn(m.Final) != 0 || !strings.Contains(m.Ended, "every head is masked") {
			t.Fatalf("final %v, ended %q", m.Final, m.Ended)
		}
	})
}

// callCounter counts the batches its Runner runs.
type callCounter struct {
	Runner
	calls int
}

func (c *callCounter) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	c.calls++
	return c.Runner.Run(b, headMask, want)
}

// TestMaskHeadsProgressAndReuse checks that the loop reports one overall progress (a constant total,
// steps that only grow and never pass it) and that, given the importance with every head on, it starts
// from it: one pass fewer, the same result.
func TestMaskHeadsProgressAndReuse(t *testing.T) {
	batches := []*model.Batch{{Size: 1, SeqLen: 2, InputIDs: []int{0, 0}}, {Size: 1, SeqLen: 2, InputIDs: []int{0, 0}}}
	fractionOn := func(imp *Importance) (float64, error) { return float64(imp.Logits[0]) / 4, nil }
	var reports []progress.Report
	r := &callCounter{Runner: &countingRunner{layers: 2, heads: 2, grad: []float32{0.4, -0.1, 0.3, 0.2}}}
	opt := MaskingOptions{Threshold: 0.5, Amount: 0.25, Score: fractionOn, Progress: func(p progress.Report) { reports = append(reports, p) }}
	want, err := MaskHeads(t.Context(), r, batches, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.calls != 2*(1+len(want.Rounds)) {
		t.Fatalf("%d batches run for %d rounds of 2 batches plus the unmasked pass", r.calls, len(want.Rounds))
	}
	// 4 heads, one a round: at most 5 passes of 2 batches.
	for i, p := range reports {
		if p.Total != 10 || p.Done > p.Total || (i > 0 && p.Done <= reports[i-1].Done) {
			t.Fatalf("report %d: %+v after %+v; want one growing count of 10 batches", i, p, reports[max(0, i-1)])
		}
	}
	if first, last := reports[0], reports[len(reports)-1]; first.Phase != "importance with every head on" ||
		last.Phase != fmt.Sprintf("round %d of at most 4", len(want.Rounds)) || last.Done != r.calls {
		t.Fatalf("first report %+v, last %+v, after %d batches", first, last, r.calls)
	}

	iopt := Options{Importance: true}
	unmasked, err := ComputeImportance(t.Context(), r.Runner, batches, iopt)
	if err != nil {
		t.Fatal(err)
	}
	r.calls, opt.Progress, opt.Unmasked = 0, nil, unmasked
	got, err := MaskHeads(t.Context(), r, batches, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.calls != 2*len(want.Rounds) {
		t.Errorf("starting from the unmasked importance: %d batches run, want %d", r.calls, 2*len(want.Rounds))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("starting from the unmasked importance: %+v\nwant %+v", got, want)
	}
}

func TestHeadsToPrune(t *testing.T) {
	got := HeadsToPrune([]float32{1, 0, 1, 1, 0, 0}, 3, 2)
	if len(got) != 2 || len(got[0]) != 1 || got[0][0] != 1 || len(got[2]) != 2 {
		t.Fatalf("HeadsToPrune = %v, want map[0:[1] 2:[0 1]]", got)
	}
}
