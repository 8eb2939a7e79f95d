package model

import (
	"fmt"
	"testing"

	"bertology/core/checkpoint"
)

// randomBERT is a random BERT classifier of the given shape, and a batch of size sequences of seqLen
// tokens for it, labelled.
func randomBERT(b *testing.B, layers, hidden, heads, intermediate, vocab, size, seqLen int) (*Model, *Batch) {
	cfg, err := checkpoint.ParseConfig(fmt.Appendf(nil, `{"model_type": "bert",
		"architectures": ["BertForSequenceClassification"], "num_hidden_layers": %d, "hidden_size": %d,
		"num_attention_heads": %d, "intermediate_size": %d, "vocab_size": %d}`, layers, hidden, heads, intermediate, vocab))
	if err != nil {
		b.Fatal(err)
	}
	m, err := randomModel(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	batch := &Batch{Size: size, SeqLen: seqLen, InputIDs: make([]int, size*seqLen), Labels: make([]int, size)}
	for i := range batch.InputIDs {
		batch.InputIDs[i] = (i * 7919) % vocab
	}
	for i := range batch.Labels {
		batch.Labels[i] = i % 2
	}
	return m, batch
}

// benchmarkForward times one forward pass of a random BERT classifier of the given shape on a batch
// of one 128-token sequence, and reports the rate of the matrix products and attention it does.
func benchmarkForward(b *testing.B, layers, hidden, heads, intermediate, vocab int) {
	const seqLen = 128
	m, batch := randomBERT(b, layers, hidden, heads, intermediate, vocab, 1, seqLen)
	for b.Loop() {
		if _, err := m.Forward(batch, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	n, d, in := float64(seqLen), float64(hidden), float64(intermediate)
	perLayer := 2*n*d*3*d + 2*n*d*d + 2*2*n*d*in + 2*2*n*n*d // projections, feed-forward, q·kᵀ and attn·v
	flops := float64(layers)*perLayer + 2*d*d + 2*d*2        // pooler and classifier
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/forward")
	b.ReportMetric(flops/sec/1e9, "GFLOP/s")
}

// BERT-base: 12 layers, hidden 768, 12 heads, intermediate 3072.
func BenchmarkForwardBERTBase(b *testing.B) { benchmarkForward(b, 12, 768, 12, 3072, 30522) }

// BERT-tiny: 2 layers, hidden 128, 2 heads, intermediate 512.
func BenchmarkForwardBERTTiny(b *testing.B) { benchmarkForward(b, 2, 128, 2, 512, 30522) }
