package bertology

import (
	"context"
	"fmt"
	"math"

	"bertology/core/f64"
	"bertology/core/model"
	"bertology/core/parallel"
	"bertology/core/progress"
)

// Mode chooses how per-batch head-mask gradients become importance.
type Mode int

const (
	// ModePaper sums |g_k| over batches k, the paper's definition; the default.
	ModePaper Mode = iota
	// ModeScript sums |g_1 + … + g_k|, what run_bertology.py computes because it never zeroes the
	// mask's gradient; its result depends on the batch size.
	ModeScript
)

func (m Mode) String() string {
	if m == ModeScript {
		return "script"
	}
	return "paper"
}

// ParseMode reads "paper" (or "per-batch") and "script".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "paper", "per-batch", "":
		return ModePaper, nil
	case "script":
		return ModeScript, nil
	}
	return 0, fmt.Errorf("importance mode %q: want \"paper\" or \"script\"", s)
}

// Options configure ComputeImportance.
type Options struct {
	Mode          Mode
	Normalization Normalization
	Entropy       bool      // compute attention entropy (needs every attention map)
	Importance    bool      // compute importance (needs the head-mask gradient, so labels)
	HeadMask      []float32 // [layers*heads]; nil means every head on
	// Progress, when set, is told after each batch how many of the batches are done.
	Progress progress.Func
}

// Importance is the result of ComputeImportance, every matrix [layers*heads] row-major.
type Importance struct {
	Layers, Heads int
	Entropy       []float64 // Σ entropy over real query tokens / TotTokens; 0 when not asked
	Raw           []float64 // Σ |gradient| / TotTokens, before normalisation
	Importance    []float64 // Raw after the asked normalisations
	Ranks         []int     // 0 = most important
	TotTokens     float64   // real (unpadded) tokens seen
	Logits        []float32 // [examples, labels], every batch in order; empty for a language model
	Loss          float64   // mean of the batch losses
	// BatchGrads holds each batch's own head-mask gradient [layers*heads], when importance was asked.
	BatchGrads [][]float32
}

// ComputeImportance runs every batch through r under opt.HeadMask and accumulates attention entropy and
// head importance, as run_bertology.py's compute_heads_importance does. A ConcurrentRunner runs several
// batches at once, and a GroupRunner takes several per call, with the same results. It stops after the
// batch (or group) during which ctx is cancelled.
func ComputeImportance(ctx context.Context, r Runner, batches []*model.Batch, opt Options) (*Importance, error) {
	layers, heads := r.Shape()
	n := layers * heads
	if opt.HeadMask != nil && len(opt.HeadMask) != n {
		return nil, fmt.Errorf("bertology: head mask has %d values, the model has %d layers x %d heads", len(opt.HeadMask), layers, heads)
	}
	imp := &Importance{Layers: layers, Heads: heads, Entropy: make([]float64, n), Raw: make([]float64, n)}
	accumulated := make([]float64, n) // the script's never-zeroed gradient
	want := Want{HeadMaskGrad: opt.Importance, Attentions: opt.Entropy}
	workers := 1
	if c, ok := r.(ConcurrentRunner); ok {
		workers = c.Concurrency()
	}
	// reduce adds batch k's step to the sums.
	reduce := func(k int, step *Step) error {
		b := batches[k]
		if opt.Entropy {
			if len(step.Attentions) != layers {
				return fmt.Errorf("batch %d: runner returned %d attention layers, want %d", k, len(step.Attentions), layers)
			}
			for l, attn := range step.Attentions {
				AddAttentionEntropy(imp.Entropy[l*heads:(l+1)*heads], attn, b.AttentionMask, b.Size, heads, b.SeqLen)
			}
		}
		if opt.Importance {
			if len(step.HeadMaskGrad) != n {
				return fmt.Errorf("batch %d: runner returned %d gradient values, want %d", k, len(step.HeadMaskGrad), n)
			}
			imp.BatchGrads = append(imp.BatchGrads, step.HeadMaskGrad)
			for i, g := range step.HeadMaskGrad {
				switch opt.Mode {
				case ModeScript:
					accumulated[i] += float64(g)
					imp.Raw[i] += math.Abs(accumulated[i])
				default:
					imp.Raw[i] += math.Abs(float64(g))
				}
			}
		}
		imp.Logits = append(imp.Logits, step.Logits...)
		imp.Loss += float64(step.Loss) / float64(len(batches))
		imp.TotTokens += float64(realTokens(b))
		opt.Progress.Send(progress.Report{Done: k + 1, Total: len(batches)})
		return nil
	}
	// Batches (or groups of them) may run at once; their results are added up in batch order, so that
	// the sums are the same whatever the number of workers.
	groups := batchGroups(r, batches, workers)
	err := parallel.Ordered(ctx, workers, len(groups)-1, func(g int) ([]*Step, error) {
		return runGroup(r, batches, groups[g], groups[g+1], opt.HeadMask, want)
	}, func(g int, steps []*Step) error {
		for i, step := range steps {
			if err := reduce(groups[g]+i, step); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if imp.TotTokens > 0 {
		for i := range imp.Raw {
			imp.Entropy[i] /= imp.TotTokens
			imp.Raw[i] /= imp.TotTokens
		}
	}
	imp.Importance = append([]float64(nil), imp.Raw...)
	Normalize(imp.Importance, layers, heads, opt.Normalization)
	imp.Ranks = Ranks(imp.Importance)
	return imp, nil
}

func realTokens(b *model.Batch) int {
	if b.AttentionMask == nil {
		return b.Size * b.SeqLen
	}
	n := 0
	for _, m := range b.AttentionMask {
		n += m
	}
	return n
}

// Log renders the three tables run_bertology.py logs after computing importance: entropies, importance
// scores and ranks. Values are rounded to float32 first, as the script holds them.
func (imp *Importance) Log() []string {
	lines := []string{"Attention entropies"}
	lines = append(lines, FormatTable(f64.ToFloat32(imp.Entropy), imp.Layers, imp.Heads)...)
	lines = append(lines, "Head importance scores")
	lines = append(lines, FormatTable(f64.ToFloat32(imp.Importance), imp.Layers, imp.Heads)...)
	lines = append(lines, "Head ranked by importance scores")
	return append(lines, FormatTable(imp.Ranks, imp.Layers, imp.Heads)...)
}
