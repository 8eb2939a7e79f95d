package model

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// allocated is how many bytes f allocates.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// withMemoryLimit runs f with MemoryLimit set to what the program holds now plus spare bytes.
func withMemoryLimit(t *testing.T, spare int64, f func()) {
	t.Helper()
	defer func(limit int64) { MemoryLimit = limit }(MemoryLimit)
	runtime.GC()
	MemoryLimit = memoryInUse() + spare
	f()
}

// TestPassMemory checks the estimate of a pass against what the pass allocates, on a model with each
// head, for a forward and a gradient pass.
func TestPassMemory(t *testing.T) {
	const size, seqLen = 8, 64
	for _, arch := range append(slices.Clone(goldenArchs), "llama") {
		for _, grad := range []*GradOptions{nil, {HeadMask: true}} {
			m := loadModel(t, arch, "model") // a fresh model: no workspace in its pool, no transposed packing
			b := &Batch{Size: size, SeqLen: seqLen, InputIDs: make([]int, size*seqLen), Labels: make([]int, size*seqLen)}
			if m.Head() == SequenceClassification {
				b.Labels = b.Labels[:size]
			}
			opt := Options{Attentions: true}
			est := m.PassMemory(Pass{Size: size, SeqLen: seqLen, Options: opt, Grad: grad})
			var err error
			got := allocated(func() {
				if grad != nil {
					_, _, err = m.ForwardBackward(b, opt, *grad)
				} else {
					_, err = m.Forward(b, opt)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			_, packs := m.Kernels().(kernel.Packer)
			if est.Weights != 0 || est.Checkpoint != 0 || (est.Packed != 0) != (grad != nil && packs) {
				t.Errorf("%s, gradient %v: estimate %+v counts the model", arch, grad != nil, est)
			}
			// The pass allocates more than it keeps at once (buffers of a row, garbage along the way: Go's
			// kernels, which do not pack, copy operands).
			if ratio := float64(got) / float64(est.Peak()); ratio < 0.9 || ratio > 1.5 {
				t.Errorf("%s, gradient %v: the pass allocated %d bytes, the estimate is %d (%+v): ratio %.2f, want 0.9 to 1.5",
					arch, grad != nil, got, est.Peak(), est, ratio)
			}
		}
	}
}

// assertErrorMentions checks that err is an error whose message contains each of parts.
func assertErrorMentions(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not mention %q", what, err, p)
		}
	}
}

// TestEstimateLoad checks the estimate of loading real checkpoints' configs against their parameter
// counts as Hugging Face's num_parameters() gives them, and the refusal of one that does not fit.
func TestEstimateLoad(t *testing.T) {
	tests := []struct {
		config string
		params int64
	}{
		{`{"model_type": "bert", "architectures": ["BertForSequenceClassification"]}`, 109_483_778},                                // bert-base-uncased, 2 labels
		{`{"model_type": "distilbert", "architectures": ["DistilBertModel"]}`, 66_362_880},                                         // distilbert-base-uncased
		{`{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}`, 124_439_808},                                              // gpt2
		{`{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 1280, "n_layer": 36, "n_head": 20}`, 774_030_080}, // gpt2-large
		{`{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}`, 6_738_415_616},                                          // Llama-2-7b (LlamaConfig's defaults)
		{`{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "num_hidden_layers": 22,
			"num_key_value_heads": 4, "intermediate_size": 5632}`, 1_100_048_384}, // TinyLlama-1.1B: grouped-query attention
	}
	for _, tt := range tests {
		cfg, err := checkpoint.ParseConfig([]byte(tt.config))
		if err != nil {
			t.Fatal(err)
		}
		mem, err := EstimateLoad(cfg, Pass{Size: 1, SeqLen: 128, Grad: &GradOptions{HeadMask: true}})
		if err != nil {
			t.Fatal(err)
		}
		if mem.Weights != 4*tt.params || mem.Checkpoint != mem.Weights {
			t.Errorf("%s: weights %d, checkpoint %d bytes, want %d each", tt.config, mem.Weights, mem.Checkpoint, 4*tt.params)
		}
		if mem.Activations <= 0 || mem.Logits <= 0 && cfg.Architectures[0] != "DistilBertModel" {
			t.Errorf("%s: no pass in %+v", tt.config, mem)
		}
	}

	large, _ := checkpoint.ParseConfig([]byte(tests[3].config))
	mem, _ := EstimateLoad(large, Pass{Size: 1, SeqLen: 128})
	withMemoryLimit(t, 4<<30, func() {
		assertErrorMentions(t, "gpt2-large", mem.Fits("the model"),
			"the model needs ~", "weights 2.9 GB", "the checkpoint as read 2.9 GB", memoryLimitName, "try fp16 weights or a smaller model")
	})
}

// TestNewShapesBeforeMemory checks that a config that describes a huge model over a small checkpoint's
// weights is refused by the first tensor that does not fit it, before the model is allocated.
func TestNewShapesBeforeMemory(t *testing.T) {
	bert := loadCheckpoint(t, "bert", "model")
	huge := withConfig(bert, func(c *checkpoint.Config) {
		c.HiddenSize, c.NumLayers, c.NumHeads, c.IntermediateSize = 4096, 24, 16, 16384 // 20 GB of weights
	})
	var err error
	got := allocated(func() { _, err = New(huge) })
	assertErrorMentions(t, "huge config", err, "bert.embeddings.word_embeddings.weight: shape [147 32], config wants [147 4096]")
	if got > 1<<20 {
		t.Errorf("New allocated %d bytes before refusing the checkpoint", got)
	}
}

// TestMemoryLimit checks that New and a pass refuse to start when they would not fit MemoryLimit.
func TestMemoryLimit(t *testing.T) {
	ck := loadCheckpoint(t, "bert", "model")
	m, err := New(ck)
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{Size: 8, SeqLen: 64, InputIDs: make([]int, 8*64), Labels: make([]int, 8)}
	want := []string{"model: the model needs ~131 KB (weights 131 KB)", "of it free", "try fp16 weights or a smaller model"}
	if _, packs := m.Kernels().(kernel.Packer); packs {
		want[0] = "model: the model needs ~232 KB (weights 131 KB, packed for the kernels 100 KB)"
	}
	withMemoryLimit(t, 64<<10, func() {
		_, err := New(ck)
		assertErrorMentions(t, "New", err, want...)
		_, err = m.Forward(b, Options{})
		assertErrorMentions(t, "Forward", err, "a batch of 8 × 64 tokens needs ~", "activations", "try a shorter max length or a smaller batch")
		_, _, err = m.ForwardBackward(b, Options{}, GradOptions{HeadMask: true})
		assertErrorMentions(t, "ForwardBackward", err, "a batch of 8 × 64 tokens needs ~", "activations")
		if _, err := m.Forward(&Batch{Size: 1, SeqLen: 4, InputIDs: make([]int, 4)}, Options{}); err != nil {
			t.Errorf("a batch that fits: %v", err)
		}
	})
	if _, err := m.Forward(b, Options{}); err != nil {
		t.Errorf("after the limit: %v", err)
	}
}
