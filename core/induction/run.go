package induction

import (
	"context"
	"fmt"
	"math"

	"bertology/core/attnstats"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tensor"
)

// Options says which sequences a run scores the heads on.
type Options struct {
	Length    int    // R, the random tokens of one repeat; at least 3
	Sequences int    // how many sequences the scores pool over; at least 1
	Seed      uint64 // sequence k is drawn with seed Seed+k
	// BOS is the tokenizer's beginning-of-sequence token (NoBOS when it has none), and Special its
	// special tokens, which are never drawn.
	BOS     int
	Special []int
	// Top is how many heads Result.Top lists per score.
	Top int
}

// Run scores every head of the causal language model m (see the package documentation) on
// opt.Sequences repeated random sequences, one forward pass each; ctx cancels between them, and report
// hears of each as the phase "induction". The caller fills in Result.BOS.
func Run(ctx context.Context, m *model.Model, opt Options, report progress.Func) (*Result, error) {
	if m.Head() != model.CausalLM {
		return nil, fmt.Errorf("induction and previous-token heads need a causal language model, the model has %s", m.Head())
	}
	if opt.Length < 3 {
		// With R = 2 the induction stripe is the previous token's: the scores could not tell them apart.
		return nil, fmt.Errorf("a repeat of %d tokens, want at least 3", opt.Length)
	}
	if opt.Sequences < 1 {
		return nil, fmt.Errorf("%d sequences, want at least 1", opt.Sequences)
	}
	cfg := m.Config()
	lay := newLayout(opt.BOS, opt.Length)
	if lay.T > cfg.MaxPositions {
		return nil, fmt.Errorf("a repeat of %d tokens makes sequences of %d, longer than the model's %d positions; at most %d",
			opt.Length, lay.T, cfg.MaxPositions, (cfg.MaxPositions-lay.start)/2)
	}
	L, H := m.Shape()
	var example []int
	var sums [3][]float64
	var counts [3][]int
	for s := range sums {
		sums[s], counts[s] = make([]float64, L*H), make([]int, L*H)
	}
	add := func(s, at int, sum float64, n int) { sums[s][at] += sum; counts[s][at] += n }
	for k := range opt.Sequences {
		report.Send(progress.Report{Phase: "induction", Done: k, Total: opt.Sequences})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ids, err := Sequence(opt.Seed+uint64(k), opt.Length, cfg.VocabSize, opt.BOS, opt.Special)
		if err != nil {
			return nil, err
		}
		if k == 0 {
			example = ids
		}
		out, err := m.Forward(&model.Batch{Size: 1, SeqLen: lay.T, InputIDs: ids}, model.Options{Attentions: true, Contexts: true})
		if err != nil {
			return nil, err
		}
		hd := cfg.HeadDim()
		for l := range L {
			for hi, h := range m.Heads(l) {
				at := l*H + h
				a := out.Attentions[l].Data[hi*lay.T*lay.T : (hi+1)*lay.T*lay.T]
				sum, n := prefixMatching(a, lay)
				add(0, at, sum, n)
				heads := out.Contexts[l].Data[(hi*lay.T+lay.second())*hd : (hi+1)*lay.T*hd]
				logits, err := m.HeadDirectLogits(l, hi, heads, lay.R)
				if err != nil {
					return nil, err
				}
				sum, n = copying(a, logits, ids, lay)
				add(1, at, sum, n)
				sum, n = previousToken(a, lay)
				add(2, at, sum, n)
			}
		}
	}
	report.Send(progress.Report{Phase: "induction", Done: opt.Sequences, Total: opt.Sequences})
	means := func(s int) *tensor.Tensor {
		t := tensor.New(L, H)
		for i := range t.Data {
			t.Data[i] = float32(math.NaN())
			if counts[s][i] > 0 {
				t.Data[i] = float32(sums[s][i] / float64(counts[s][i]))
			}
		}
		return t
	}
	r := &Result{Layers: L, Heads: H, Length: opt.Length, Tokens: lay.T, Sequences: opt.Sequences, Seed: opt.Seed, Example: example,
		PrefixMatching: means(0), Copying: means(1), PreviousToken: means(2)}
	r.Top = map[string][]attnstats.HeadScore{}
	for _, key := range Keys {
		r.Top[key] = top(r.Score(key), opt.Top)
	}
	return r, nil
}

// The defaults of a run, as TransformerLens's induction-score recipe has them: repeats of 50 tokens, in
// 10 sequences; shorter repeats for a model with fewer positions (LengthFor).
const (
	DefaultLength    = 50
	DefaultSequences = 10
	DefaultSeed      = 1
)

// LengthFor is the default repeat length for a model of maxPositions positions and a tokenizer whose
// beginning-of-sequence token is bos: DefaultLength, or the longest repeat that fits.
func LengthFor(maxPositions, bos int) int {
	return min(DefaultLength, (maxPositions-newLayout(bos, 0).start)/2)
}
