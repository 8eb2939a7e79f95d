package train

import (
	"testing"

	"bertology/core/model"
)

// BenchmarkTrainStep times one training step as Train takes it (the loss and its gradient, clipping,
// an AdamW step) on a random bert-tiny-shaped classifier (2 layers, hidden 128, 2 heads, intermediate
// 512, BERT's vocabulary of 30,522) at batch 8 of 64 tokens, after a first step has made the
// optimiser's moments.
func BenchmarkTrainStep(b *testing.B) {
	m := tinyModel(b, `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "num_hidden_layers": 2,
		"hidden_size": 128, "num_attention_heads": 2, "intermediate_size": 512, "vocab_size": 30522}`, 1)
	const size, seqLen = 8, 64
	batch := &model.Batch{Size: size, SeqLen: seqLen, InputIDs: make([]int, size*seqLen), Labels: make([]int, size)}
	for i := range batch.InputIDs {
		batch.InputIDs[i] = (i*7919 + 101) % 30522
	}
	for i := range batch.Labels {
		batch.Labels[i] = i % 2
	}
	o, grad := NewAdamW(0.01), m.NewWeightGradient()
	run := func() {
		if _, err := step(m, o, grad, batch, 1, 1e-4); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}
