package bertology

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"bertology/core/model"
	"bertology/core/progress"
)

// MaskingOptions configure MaskHeads, with run_bertology.py's names.
type MaskingOptions struct {
	Threshold float64 // masking_threshold: stop once the score falls below Threshold × the original score
	Amount    float64 // masking_amount: fraction of all heads masked per round (at least one head)
	// Importance gives the mode and normalisation used to rank heads each round.
	Importance Options
	// Score turns a round's outputs into the metric (accuracy, MCC, ...); higher is better.
	Score func(imp *Importance) (float64, error)
	// Progress, when set, follows the whole loop as one computation: Done and Total count batches over
	// every pass the loop may need (the pass with every head on unless Unmasked is given, then at most
	// one a round until every head is masked), so that the time left can be estimated from it; the
	// phase names the pass, "importance with every head on", then "round 1 of at most R", ...
	// (Importance.Progress is not used).
	Progress progress.Func
	// Unmasked, when set, is the importance already computed with every head on, with Importance's
	// mode and normalisation and the logits the score needs: the loop starts from it instead of
	// computing it again.
	Unmasked *Importance
}

// MaskingRound records one round of the loop: the heads it masked and the score that followed.
type MaskingRound struct {
	Masked    []int     // flat head indices (layer*heads + head) masked in this round
	Mask      []float32 // the head mask after this round
	Score     float64
	Remaining int // heads still on
}

// Masking is the result of MaskHeads.
type Masking struct {
	OriginalScore float64
	Final         []float32 // the last mask whose score met the threshold
	FinalScore    float64
	Rounds        []MaskingRound
	// Ended says why the loop stopped; unlike the script, the loop always stops.
	Ended string
	Log   []string // the script's log lines, for comparison
}

// MaskHeads runs the iterative masking loop of Michel et al.: repeatedly mask the least important
// remaining heads (importance recomputed under the current mask) until the score drops below
// Threshold × the original score, and return the last mask that met it. The script's loop never ends
// when the score survives every head being masked; this one stops there and says so. It stops between
// batches when ctx is cancelled.
func MaskHeads(ctx context.Context, r Runner, batches []*model.Batch, opt MaskingOptions) (*Masking, error) {
	layers, heads := r.Shape()
	n := layers * heads
	iopt := opt.Importance
	iopt.Importance, iopt.Entropy, iopt.HeadMask = true, false, nil
	numToMask := max(1, int(float64(n)*opt.Amount))
	rounds := (n + numToMask - 1) / numToMask // the most the loop can run: until every head is masked
	passes := rounds
	if opt.Unmasked == nil {
		passes++ // and the pass with every head on
	}
	pass := 0
	// overall reports each pass's batches as steps of the whole loop.
	overall := func(phase string) progress.Func {
		if opt.Progress == nil {
			return nil
		}
		first := pass * len(batches)
		return func(r progress.Report) {
			opt.Progress.Send(progress.Report{Phase: phase, Done: first + r.Done, Total: passes * len(batches)})
		}
	}
	imp := opt.Unmasked
	if imp == nil {
		iopt.Progress = overall("importance with every head on")
		var err error
		if imp, err = ComputeImportance(ctx, r, batches, iopt); err != nil {
			return nil, err
		}
		pass++
	} else if imp.Layers != layers || imp.Heads != heads || len(imp.Importance) != n {
		return nil, fmt.Errorf("bertology: the importance to start masking from is for %d x %d heads, the model has %d x %d", imp.Layers, imp.Heads, layers, heads)
	}
	res := &Masking{}
	var err error
	res.Log = append(res.Log, scriptImportanceLog(imp)...)
	if res.OriginalScore, err = opt.Score(imp); err != nil {
		return nil, err
	}
	threshold := res.OriginalScore * opt.Threshold
	res.Log = append(res.Log, fmt.Sprintf("Pruning: original score: %f, threshold: %f", res.OriginalScore, threshold))

	newMask := ones(n)
	mask := newMask
	current := res.OriginalScore
	res.FinalScore = current
	for current >= threshold {
		mask, res.FinalScore = append([]float32(nil), newMask...), current
		remaining := countOn(mask)
		if remaining == 0 {
			res.Ended = fmt.Sprintf("every head is masked and the score %f still meets the threshold %f", current, threshold)
			break
		}
		if n <= numToMask {
			res.Ended = fmt.Sprintf("masking_amount %g would mask all %d heads in one round", opt.Amount, n)
			break
		}
		ranked := make([]float64, n)
		for i := range ranked {
			ranked[i] = imp.Importance[i]
			if mask[i] == 0 {
				ranked[i] = math.Inf(1)
			}
		}
		order := ascending(ranked)[:numToMask]
		res.Log = append(res.Log, "Heads to mask: "+pythonList(order))
		newMask = append([]float32(nil), mask...)
		for _, i := range order {
			newMask[i] = 0
		}
		res.Log = append(res.Log, FormatTable(newMask, layers, heads)...)

		iopt.HeadMask = newMask
		iopt.Progress = overall(fmt.Sprintf("round %d of at most %d", len(res.Rounds)+1, rounds))
		if imp, err = ComputeImportance(ctx, r, batches, iopt); err != nil {
			return nil, err
		}
		pass++
		res.Log = append(res.Log, scriptImportanceLog(imp)...)
		if current, err = opt.Score(imp); err != nil {
			return nil, err
		}
		on := countOn(newMask)
		res.Log = append(res.Log, fmt.Sprintf("Masking: current score: %f, remaining heads %d (%.1f percents)",
			current, on, float64(on)/float64(n)*100))
		res.Rounds = append(res.Rounds, MaskingRound{Masked: order, Mask: newMask, Score: current, Remaining: on})
	}
	if res.Ended == "" {
		res.Ended = fmt.Sprintf("the score %f fell below the threshold %f", current, threshold)
	}
	res.Final = mask
	res.Log = append(res.Log, "Final head mask")
	res.Log = append(res.Log, FormatTable(mask, layers, heads)...)
	return res, nil
}

// scriptImportanceLog is the log of compute_heads_importance called with compute_entropy=False, as the
// script's masking loop does: its entropy table is all zeros.
func scriptImportanceLog(imp *Importance) []string {
	silent := *imp
	silent.Entropy = make([]float64, len(imp.Entropy))
	return silent.Log()
}

// HeadsToPrune lists, per layer, the heads a mask switches off: the argument of a model's prune_heads.
// Layers with no masked head are left out.
func HeadsToPrune(mask []float32, layers, heads int) map[int][]int {
	out := map[int][]int{}
	for l := 0; l < layers; l++ {
		for h := 0; h < heads; h++ {
			if mask[l*heads+h] == 0 {
				out[l] = append(out[l], h)
			}
		}
	}
	return out
}

func ones(n int) []float32 {
	m := make([]float32, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

func countOn(mask []float32) int {
	n := 0
	for _, v := range mask {
		if v != 0 {
			n++
		}
	}
	return n
}

// ascending returns the indices of x sorted by increasing value, ties in index order.
func ascending(x []float64) []int {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	return idx
}

// pythonList formats ints as Python prints a list: [1, 2, 3].
func pythonList(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
