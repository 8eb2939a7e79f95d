package model

import (
	"fmt"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// benchShapes are the models the speed issue measures, with random weights and their real vocabulary
// sizes (config defaults fill in the rest: distilbert-base and gpt2-small).
var benchShapes = []struct {
	name, config string
}{
	{"bert-tiny", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "num_hidden_layers": 2, "hidden_size": 128, "num_attention_heads": 2, "intermediate_size": 512, "vocab_size": 30522}`},
	{"bert-mini", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 4, "intermediate_size": 1024, "vocab_size": 30522}`},
	{"distilbert", `{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"], "vocab_size": 30522}`},
	{"gpt2", `{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 50257}`},
	{"stories260K", `{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_hidden_layers": 5, "num_attention_heads": 8, "num_key_value_heads": 4, "intermediate_size": 172, "vocab_size": 512, "max_position_embeddings": 512, "tie_word_embeddings": true}`},
}

// BenchmarkForward times one forward pass at batch 1 with every attention returned, for each model
// shape at 23 and 128 tokens, on each kernel implementation this build has (named last, so that
// build.sh bench can set them side by side), and reports the rate of the model's matrix products.
func BenchmarkForward(b *testing.B) {
	for _, s := range benchShapes {
		cfg, err := checkpoint.ParseConfig([]byte(s.config))
		if err != nil {
			b.Fatal(err)
		}
		m, err := randomModel(cfg, 1)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range []int{23, 128} {
			batch := &Batch{Size: 1, SeqLen: t, InputIDs: make([]int, t)}
			for i := range batch.InputIDs {
				batch.InputIDs[i] = (i*7919 + 101) % cfg.VocabSize
			}
			for _, k := range kernel.Implementations() {
				b.Run(fmt.Sprintf("%s/T=%d/%s", s.name, t, k.Name()), func(b *testing.B) {
					m.k = k
					m.packWeights()
					for b.Loop() {
						if _, err := m.Forward(batch, Options{Attentions: true}); err != nil {
							b.Fatal(err)
						}
					}
					sec := b.Elapsed().Seconds() / float64(b.N)
					b.ReportMetric(sec*1e3, "ms/forward")
					b.ReportMetric(forwardFlops(m, t)/sec/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// forwardFlops counts the multiply-adds (two flops each) of a forward pass on one sequence of t tokens:
// every layer's projections, feed-forward and attention products, and the head's vocabulary projection.
func forwardFlops(m *Model, t int) float64 {
	c := m.cfg
	n, d := float64(t), float64(c.HiddenSize)
	var flops float64
	for _, blk := range m.layers {
		dense := float64(blk.qkv.out + blk.attnOut.in + blk.ffnIn.out + blk.ffnOut.in) // each × d
		flops += 2*n*d*dense + 2*2*n*n*float64(blk.attnOut.in)
	}
	if m.head == CausalLM || m.head == MaskedLM {
		flops += 2 * n * d * float64(c.VocabSize)
	}
	return flops
}

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
