package model

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// Memory is an estimate of the memory, in bytes, that a model or a pass of a batch through it takes, by
// what takes it. A Go program that runs out of memory dies (in the browser, the lab's WebAssembly
// instance with it), so a model or a pass too big for the memory left is refused with a message before
// anything is allocated for it. Every part counts float32 buffers of 4 bytes an element; buffers of a row
// or a vector (biases, LayerNorm statistics) are left out.
type Memory struct {
	// Checkpoint is the weights as the checkpoint's reader decodes them, float32, which the model copies
	// and then drops. The files themselves are in memory already when a model loads, and so counted in
	// what the program holds.
	Checkpoint int64
	// Weights is the model's parameters.
	Weights int64
	// Packed is the dense layers' weights laid out for kernels that pack (kernel.Packer): a second copy
	// of them, and a third, transposed, that the first backward pass makes (see packWeights).
	Packed int64
	// Activations is what a pass keeps for its batch: one block's activations at a time for a forward
	// pass, every block's and the backward pass's buffers for a gradient pass (and the parameters'
	// gradients when training), and what the pass returns (hidden states, attentions, contexts).
	Activations int64
	// Logits is the head's output for the batch, and its gradient in a gradient pass: a language
	// model's are batch × length × vocabulary.
	Logits int64
}

// Peak is the most the estimate holds at once: the model, with the checkpoint it is copied from while it
// loads, or with a pass.
func (mem Memory) Peak() int64 {
	return mem.Weights + mem.Packed + max(mem.Checkpoint, mem.Activations+mem.Logits)
}

// MemoryLimit bounds the memory that a program's models and their passes may take, in bytes, with what
// the program holds already; 0 means no bound. In js/wasm it is the 4 GiB of WebAssembly's 32-bit memory;
// natively it is 0, leaving it to the operating system, unless a command sets it.
var MemoryLimit int64 = defaultMemoryLimit

// Fits returns nil when the estimate's peak fits in what MemoryLimit leaves free of what the program
// holds now, and otherwise an error that says that what (the model, a batch, ...) needs that much, what
// takes it, and what to try instead.
func (mem Memory) Fits(what string) error {
	need := mem.Peak()
	if MemoryLimit <= 0 || need <= 0 {
		return nil
	}
	free := MemoryLimit - memoryInUse()
	if need > free {
		runtime.GC() // what the program holds counts its garbage until a collection
		free = MemoryLimit - memoryInUse()
	}
	if need <= free {
		return nil
	}
	var parts []string
	for _, p := range []struct {
		name  string
		bytes int64
	}{
		{"weights", mem.Weights}, {"packed for the kernels", mem.Packed}, {"the checkpoint as read", mem.Checkpoint},
		{"activations", mem.Activations}, {"logits", mem.Logits},
	} {
		if p.bytes > 0 {
			parts = append(parts, p.name+" "+byteSize(p.bytes))
		}
	}
	advice := "try fp16 weights or a smaller model"
	if mem.Activations+mem.Logits > mem.Checkpoint {
		advice = "try a shorter max length or a smaller batch"
	}
	return fmt.Errorf("%s needs ~%s (%s), and %s %s, %s of it free; %s",
		what, byteSize(need), strings.Join(parts, ", "), memoryLimitName, byteSize(MemoryLimit), byteSize(max(free, 0)), advice)
}

// memoryInUse is what the Go runtime holds: everything it has mapped but the heap's free and released
// pages, which it reuses.
func memoryInUse() int64 {
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64())
}

// byteSize writes a size in GB (2^30 bytes) with one decimal unless it is whole, or in MB or KB below.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<30)), ".0") + " GB"
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
}

// Pass is one pass of a batch through a model, as Forward or ForwardBackward runs it, for PassMemory.
type Pass struct {
	Size, SeqLen int // the batch: Size sequences of SeqLen tokens
	// Options says what the pass returns besides the logits; of its HeadMask only whether it is nil
	// matters.
	Options
	// Grad is what a gradient pass (ForwardBackward) computes; nil for a forward pass.
	Grad *GradOptions
}

// EstimateLoad estimates, from a checkpoint's config alone, the memory that loading the checkpoint with
// the default kernels and then running pass p on it takes: what LoadFiles decodes, the model New builds
// of it and the pass. The head is the one the config's architecture names (none when it names none, as
// the tensors that would tell are not read yet).
func EstimateLoad(cfg *checkpoint.Config, p Pass) (Memory, error) {
	head, err := architectureHead(cfg)
	if err != nil {
		return Memory{}, fmt.Errorf("model: %w", err)
	}
	plan, err := build(cfg, head, false, true)
	if err != nil {
		return Memory{}, fmt.Errorf("model: %w", err)
	}
	mem := plan.weightMemory()
	mem.Checkpoint = mem.Weights
	pass := plan.PassMemory(p)
	mem.Packed += pass.Packed
	mem.Activations, mem.Logits = pass.Activations, pass.Logits
	return mem, nil
}

// weightMemory estimates the model's weights and their packed copies.
func (m *Model) weightMemory() Memory {
	var c counter
	m.walk(&c)
	var packed int64
	if _, ok := m.k.(kernel.Packer); ok {
		for _, l := range m.packable() {
			packed += int64(l.in) * int64(l.out)
		}
		if m.vocabularyLogits() {
			packed += int64(m.cfg.VocabSize) * int64(m.cfg.HiddenSize)
		}
	}
	return Memory{Weights: 4 * int64(c.n), Packed: 4 * packed}
}

// PassMemory estimates what pass p needs beyond the model: its activations and logits, and the
// transposed packings of the weights that a first gradient pass makes.
func (m *Model) PassMemory(p Pass) Memory {
	c := m.cfg
	b, t := int64(p.Size), int64(p.SeqLen)
	n, d := b*t, int64(c.HiddenSize)
	var widest, kept, scratch, returned int64 // in floats
	for _, blk := range m.layers {
		a, qkv := int64(blk.attnOut.in), int64(blk.qkv.out)
		pre, i := int64(blk.ffnIn.out), int64(blk.ffnOut.in) // a gated network's pre is 2i
		scores := b * int64(len(blk.heads)) * t * t
		// qkv and merged; the attention's probabilities; the residual sums and LayerNorms; the
		// feed-forward network before and after its activation (layerActs)
		acts := n*(qkv+a) + scores + 4*n*d + n*(pre+i)
		if p.HeadMask != nil {
			acts += scores
		}
		widest, kept = max(widest, acts), kept+acts
		// the block's backward buffers (blockScratch) and the attention's dq|dk|dv
		ffn := n * i
		if pre != i {
			ffn += n * pre
		}
		scratch = max(scratch, 3*n*d+ffn+n*a+n*qkv+t*t)
		if p.Attentions {
			returned += scores
		}
		if p.Contexts {
			returned += n * a
		}
		if p.QueriesKeys {
			returned += 2 * n * a
		}
	}
	if p.HiddenStates {
		returned += int64(len(m.layers)+1) * n * d
	}
	acts := 2*n*d + widest // the embeddings before and after their LayerNorm, and one block at a time
	if p.Grad != nil {
		acts = 2*n*d + kept + scratch + 2*n*d // every block's, and the gradients of a block's output and input
	}
	var logits int64
	switch {
	case m.head == SequenceClassification:
		logits = b*int64(c.NumLabels) + 3*b*d // and the pooler's or pre-classifier's rows
	case m.head == TokenClassification || m.head == QuestionAnswering:
		logits = n * int64(c.NumLabels)
	case m.vocabularyLogits():
		logits = n*int64(c.VocabSize) + 3*n*d // and BERT's MLM transform
	}
	mem := Memory{Logits: 4 * logits}
	if p.Grad != nil {
		mem.Logits *= 2
		if p.Grad.Weights {
			acts += 2 * m.weightMemory().Weights / 4 // the gradient model, and the copy Gradients returns
		}
		if _, ok := m.k.(kernel.Packer); ok {
			for _, l := range m.packable() {
				if l.packedT == nil || !l.packedT.made.Load() {
					mem.Packed += 4 * int64(l.in) * int64(l.out)
				}
			}
		}
	}
	mem.Activations = 4 * (acts + returned)
	return mem
}
