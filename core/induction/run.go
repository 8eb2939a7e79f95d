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
	prefix, copies, previous := newPool(L, H), newPool(L, H), newPool(L, H)
	hd := cfg.HeadDim()
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
		for l := range L {
			for hi, h := range m.Heads(l) {
				at := l*H + h
				a := out.Attentions[l].Data[hi*lay.T*lay.T : (hi+1)*lay.T*lay.T]
				prefix.add(at)(prefixMatching(a, lay))
				previous.add(at)(previousToken(a, lay))
				// The head's contexts at the positions of the second repeat.
				second := out.Contexts[l].Data[(hi*lay.T+lay.second())*hd : (hi+1)*lay.T*hd]
				logits, err := m.HeadDirectLogits(l, hi, second, lay.R)
				if err != nil {
					return nil, err
				}
				copies.add(at)(copying(a, logits, ids, lay))
			}
		}
	}
	report.Send(progress.Report{Phase: "induction", Done: opt.Sequences, Total: opt.Sequences})
	r := &Result{Layers: L, Heads: H, Length: opt.Length, Tokens: lay.T, Sequences: opt.Sequences, Seed: opt.Seed, Example: example,
		PrefixMatching: prefix.means(), Copying: copies.means(), PreviousToken: previous.means()}
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

// pool sums one score's terms over the sequences, per head [layers, heads].
type pool struct {
	layers, heads int
	sum           []float64
	n             []int
}

func newPool(layers, heads int) *pool {
	return &pool{layers: layers, heads: heads, sum: make([]float64, layers*heads), n: make([]int, layers*heads)}
}

// add returns what adds the sum of n terms to head at's.
func (p *pool) add(at int) func(sum float64, n int) {
	return func(sum float64, n int) { p.sum[at] += sum; p.n[at] += n }
}

// means is every head's mean, NaN for a head without terms (pruned, or, for copying, attending only to
// BOS).
func (p *pool) means() *tensor.Tensor {
	t := tensor.New(p.layers, p.heads)
	for i := range t.Data {
		t.Data[i] = float32(math.NaN())
		if p.n[i] > 0 {
			t.Data[i] = float32(p.sum[i] / float64(p.n[i]))
		}
	}
	return t
}
