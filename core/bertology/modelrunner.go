package bertology

import (
	"bertology/core/model"
)

// ModelRunner is the Runner of a real model: Forward when no gradient is wanted, ForwardBackward for
// the head-mask gradient. A pruned model's attentions come back with zero rows for its pruned heads, so
// every Step has the unpruned [layers x heads] layout. With Workers above 1 it is a ConcurrentRunner
// (a Model may run on several goroutines at once): the command line gives it one per CPU; in the browser
// Go has one thread, and the page runs workers of its own.
type ModelRunner struct {
	Model   *model.Model
	Workers int
}

// Concurrency implements ConcurrentRunner: Workers, at least 1.
func (r ModelRunner) Concurrency() int { return max(1, r.Workers) }

// Shape is the model's layers and heads per layer before any pruning.
func (r ModelRunner) Shape() (layers, heads int) {
	c := r.Model.Config()
	return c.NumLayers, c.NumHeads
}

// Run evaluates one batch.
func (r ModelRunner) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	// A language model is scored by its loss: its logits are never wanted.
	opt := model.Options{HeadMask: headMask, Attentions: want.Attentions, LossOnly: true}
	var (
		out   *model.Output
		grads *model.Gradients
		err   error
	)
	if want.HeadMaskGrad {
		out, grads, err = r.Model.ForwardBackward(b, opt, model.GradOptions{HeadMask: true})
	} else {
		out, err = r.Model.Forward(b, opt)
	}
	if err != nil {
		return nil, err
	}
	step := &Step{Loss: out.Loss}
	if out.Logits != nil {
		step.Logits = out.Logits.Data
	}
	if grads != nil {
		step.HeadMaskGrad = grads.HeadMask
	}
	c := r.Model.Config()
	for l, a := range out.Attentions {
		step.Attentions = append(step.Attentions, unprunedHeads(a.Data, c.PrunedHeads[l], b.Size, c.NumHeads, b.SeqLen))
	}
	return step, nil
}

// unprunedHeads spreads attention [batch, kept heads, T, T] over all heads [batch, heads, T, T], leaving
// the pruned heads' maps zero.
func unprunedHeads(attn []float32, pruned []int, batch, heads, T int) []float32 {
	if len(pruned) == 0 {
		return attn
	}
	gone := make([]bool, heads)
	for _, h := range pruned {
		gone[h] = true
	}
	kept := heads - len(pruned)
	out := make([]float32, batch*heads*T*T)
	for b := 0; b < batch; b++ {
		k := 0
		for h := 0; h < heads; h++ {
			if gone[h] {
				continue
			}
			copy(out[(b*heads+h)*T*T:(b*heads+h+1)*T*T], attn[(b*kept+k)*T*T:(b*kept+k+1)*T*T])
			k++
		}
	}
	return out
}
