package model

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/prune"
	"bertology/core/tensor"
)

// maxDiff is the largest absolute difference between got and want.
func maxDiff(got []float32, want *golden.Tensor) float64 {
	worst := 0.0
	for i, g := range got {
		worst = max(worst, math.Abs(float64(g)-want.Data[i]))
	}
	return worst
}

// logOutputDiffs logs how far a pass's outputs are from the golden's, for the parity report.
func logOutputDiffs(t *testing.T, kernelName, what string, got *Output, want *goldenOutputs) {
	t.Helper()
	var hidden, attn float64
	for i, h := range want.HiddenStates {
		hidden = max(hidden, maxDiff(got.HiddenStates[i].Data, h))
	}
	for i, a := range want.Attentions {
		attn = max(attn, maxDiff(got.Attentions[i].Data, a))
	}
	t.Logf("%s on %s kernels: max |diff| logits %.2g, hidden states %.2g, attentions %.2g, loss %.2g", what,
		kernelName, maxDiff(got.Logits.Data, want.Logits), hidden, attn, math.Abs(float64(got.Loss)-want.Loss))
}

// llamaMasked is the golden's masked heads as pruned_heads: layer 1 loses its whole second key and value
// group.
var llamaMasked = map[int][]int{0: {1}, 1: {2, 3}, 2: {0}}

// prunedLlama is the golden Llama with the masked heads pruned from its weights, exported as a model
// directory's files and loaded back: Hugging Face cannot prune a Llama, so its outputs must be those of
// the masked model. The export's config.json records the pruned query heads.
func prunedLlama(t *testing.T) *Model {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, "llama", "model"))
	if err != nil {
		t.Fatal(err)
	}
	pck, err := prune.Heads(ck, llamaMasked)
	if err != nil {
		t.Fatal(err)
	}
	files, err := checkpoint.Files(pck, "F32")
	if err != nil {
		t.Fatal(err)
	}
	back, err := checkpoint.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(back.Config.PrunedHeads); got != fmt.Sprint(llamaMasked) {
		t.Errorf("exported pruned_heads %s, want %v", got, llamaMasked)
	}
	m, err := New(back)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGoldenLlama compares a Llama with grouped-query attention (4 query heads sharing 2 key and value
// heads) with Hugging Face's: every output of a forward pass, plain and with heads masked, the model with
// those heads pruned, and the head-mask gradients, on every batching run_bertology.py uses.
func TestGoldenLlama(t *testing.T) {
	g := loadGolden(t, "llama")
	b := goldenBatch(g.Inputs)
	m := loadModel(t, "llama", "model")
	t.Run("forward", func(t *testing.T) {
		out, err := m.Forward(b, allOutputs)
		if err != nil {
			t.Fatal(err)
		}
		assertOutputs(t, out, &g.Forward)
		logOutputDiffs(t, m.k.Name(), "forward", out, &g.Forward)
	})
	masked := allOutputs
	masked.HeadMask = g.Masked.HeadMask.F32()
	t.Run("masked", func(t *testing.T) {
		out, err := m.Forward(b, masked)
		if err != nil {
			t.Fatal(err)
		}
		assertOutputs(t, out, &g.Masked.goldenOutputs)
		logOutputDiffs(t, m.k.Name(), "masked", out, &g.Masked.goldenOutputs)
	})
	pruned := prunedLlama(t)
	t.Run("pruned", func(t *testing.T) {
		out, err := pruned.Forward(b, allOutputs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Forward(b, masked)
		if err != nil {
			t.Fatal(err)
		}
		// the pruned model's attentions list its kept heads alone
		for l, a := range out.Attentions {
			kept := pruned.Heads(l)
			tt := b.SeqLen * b.SeqLen
			for bi := 0; bi < b.Size; bi++ {
				for i, h := range kept {
					got := a.Data[(bi*len(kept)+i)*tt : (bi*len(kept)+i+1)*tt]
					w := want.Attentions[l].Data[(bi*4+h)*tt : (bi*4+h+1)*tt]
					for j := range got {
						if math.Abs(float64(got[j]-w[j])) > tolerance {
							t.Fatalf("layer %d head %d: pruned attention %v, masked %v", l, h, got[j], w[j])
						}
					}
				}
			}
		}
		out.Attentions = nil // compared above
		assertOutputs(t, out, &goldenOutputs{Loss: g.Masked.Loss, Logits: g.Masked.Logits, HiddenStates: g.Masked.HiddenStates})
		for l, want := range []string{"[0 1]", "[0]", "[0 1]"} {
			if got := fmt.Sprint(pruned.KVHeads(l)); got != want {
				t.Errorf("layer %d keeps key and value heads %s, want %s", l, got, want)
			}
		}
		if got := fmt.Sprint(m.KVHeads(1)); got != "[0 1]" {
			t.Errorf("the unpruned layer 1 has key and value heads %s, want [0 1]", got)
		}
		// q_proj loses 8 rows per pruned head, o_proj 8 columns; layer 1's k_proj and v_proj lose one head
		// each: 4·(8·32·2) + 2·(8·32)
		if got, want := m.NumParams()-pruned.NumParams(), 4*8*32*2+2*8*32; got != want {
			t.Errorf("pruning removed %d parameters, want %d", got, want)
		}
	})
	t.Run("head mask gradient", func(t *testing.T) {
		for _, file := range []string{"golden_float32.json", "golden_float64.json"} {
			t.Run(file, func(t *testing.T) {
				var gg goldenGradFile
				path := golden.Path(t, "llama", file)
				if file == "golden_float64.json" {
					path = golden.SharedPath(t, "golden", "llama", file)
				}
				golden.Decode(t, path, &gg)
				assertGoldenHeadMaskGrads(t, m, pruned, &gg)
				var worst [2]float64
				for i, mask := range [][]float32{nil, gg.Masked.HeadMask.F32()} {
					_, grads, err := m.ForwardBackward(b, Options{HeadMask: mask}, GradOptions{HeadMask: true})
					if err != nil {
						t.Fatal(err)
					}
					worst[i] = maxDiff(grads.HeadMask, []*golden.Tensor{gg.HeadMaskGrad.Grad, gg.Masked.HeadMaskGrad}[i])
				}
				t.Logf("%s on %s kernels: max |diff| head-mask gradient %.2g, masked %.2g", file, m.k.Name(), worst[0], worst[1])
			})
		}
	})
}

// TestGoldenStories260K compares the real stories260K, converted to Hugging Face's layout, with Hugging
// Face's logits for a story and for random tokens, and its hidden states for the story. run.c and
// Hugging Face differ by up to 2e-5 on these logits (of up to 22), both being float32 roundings of the
// same function, so the tolerance is 3e-5 (testdata/golden/README.md).
func TestGoldenStories260K(t *testing.T) {
	const tol = 3e-5
	m := loadModel(t, "stories260K", "hf")
	for _, file := range []string{"logits_story.json", "logits_random.json"} {
		t.Run(file, func(t *testing.T) {
			var g struct {
				Inputs map[string]*golden.Tensor `json:"inputs"`
				HF     struct {
					Logits       *golden.Tensor   `json:"logits"`
					HiddenStates []*golden.Tensor `json:"hidden_states"`
				} `json:"hf"`
			}
			golden.Decode(t, golden.Path(t, "stories260K", file), &g)
			b := goldenBatch(g.Inputs)
			out, err := m.Forward(b, Options{HiddenStates: true})
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertClose(t, "logits", out.Logits.Data, g.HF.Logits, tol)
			hidden := 0.0
			for i, h := range g.HF.HiddenStates {
				golden.AssertClose(t, fmt.Sprintf("hidden state %d", i), out.HiddenStates[i].Data, h, tol)
				hidden = max(hidden, maxDiff(out.HiddenStates[i].Data, h))
			}
			t.Logf("%s on %s kernels: max |diff| logits %.2g", file, m.k.Name(), maxDiff(out.Logits.Data, g.HF.Logits))
			if len(g.HF.HiddenStates) > 0 {
				t.Logf("%s on %s kernels: max |diff| hidden states %.2g", file, m.k.Name(), hidden)
			}
		})
	}
}

// TestNextTokenLogits checks that the next-token logits of a prefix of the golden story are Hugging
// Face's logits at the prefix's last position, and that greedy decoding from them continues the story
// as the golden sequence does (it is the model's own greedy sample).
func TestNextTokenLogits(t *testing.T) {
	m := loadModel(t, "stories260K", "hf")
	var g struct {
		Inputs map[string]*golden.Tensor `json:"inputs"`
		HF     struct {
			Logits *golden.Tensor `json:"logits"`
		} `json:"hf"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "logits_story.json"), &g)
	ids := g.Inputs["input_ids"].Ints()
	v := m.Config().VocabSize
	for _, n := range []int{1, 7, len(ids)} {
		got, err := m.NextTokenLogits(ids[:n])
		if err != nil {
			t.Fatal(err)
		}
		want := &golden.Tensor{Shape: []int{v}, Data: g.HF.Logits.Data[(n-1)*v : n*v]}
		golden.AssertClose(t, fmt.Sprintf("next-token logits after %d tokens", n), got, want, 3e-5)
		if n < len(ids) {
			if best := slices.Index(got, slices.Max(got)); best != ids[n] {
				t.Errorf("after %d tokens the greedy choice is %d, the story goes on with %d", n, best, ids[n])
			}
		}
	}
	bert := loadModel(t, "bert", "model")
	for _, tc := range []struct {
		m    *Model
		ids  []int
		want string
	}{
		{bert, []int{1, 2}, "causal language model"},
		{m, nil, "empty sequence"},
		{m, []int{1, 512}, "outside the vocabulary"},
	} {
		_, err := tc.m.NextTokenLogits(tc.ids)
		assertErrorMentions(t, tc.want, err, tc.want)
	}
}

// TestLlamaLayouts loads the golden Llama as a bare LlamaModel (no lm_head, names without "model."),
// and with a config that names no architecture (the head then follows lm_head.weight), and gives its
// weights back as model.safetensors holds them, less the rotary inv_freq buffers it ignores.
func TestLlamaLayouts(t *testing.T) {
	g := loadGolden(t, "llama")
	full := loadModel(t, "llama", "model")
	bare := withWeights(loadCheckpoint(t, "llama", "model"), func(w map[string]*tensor.Tensor) {
		for name, v := range maps.Clone(w) {
			delete(w, name)
			if base, ok := strings.CutPrefix(name, "model."); ok {
				w[base] = v
			}
		}
	})
	bare = withConfig(bare, func(c *checkpoint.Config) { c.Architectures = []string{"LlamaModel"} })
	m, err := New(bare)
	if err != nil {
		t.Fatal(err)
	}
	b := goldenBatch(g.Inputs)
	b.Labels = nil
	out, err := m.Forward(b, allOutputs)
	if err != nil {
		t.Fatal(err)
	}
	if m.Head() != NoHead || out.Logits != nil {
		t.Fatalf("head %v, logits %v: want a bare model", m.Head(), out.Logits)
	}
	want := g.Forward
	want.Logits, want.Loss = &golden.Tensor{}, 0
	out.Logits, out.HasLoss = &tensor.Tensor{}, true
	assertOutputs(t, out, &want)
	if got, want := full.NumParams()-m.NumParams(), 512*32; got != want {
		t.Errorf("the bare model has %d parameters fewer, want %d (lm_head)", got, want)
	}

	noArch := withConfig(loadCheckpoint(t, "llama", "model"), func(c *checkpoint.Config) { c.Architectures = nil })
	if m, err := New(noArch); err != nil || m.Head() != CausalLM {
		t.Errorf("without architectures: %v, %v; want a causal LM", m, err)
	}

	ck := loadCheckpoint(t, "llama", "model")
	got := full.Weights()
	for name, w := range ck.Weights {
		if strings.HasSuffix(name, ".rotary_emb.inv_freq") {
			if _, ok := got[name]; ok {
				t.Errorf("Weights has the buffer %s", name)
			}
			continue
		}
		if g, ok := got[name]; !ok || !g.SameShape(w) || !slices.Equal(g.Data, w.Data) {
			t.Errorf("Weights' %s differs from model.safetensors' (%v)", name, ok)
		}
	}
	if len(got) != len(ck.Weights)-3 {
		t.Errorf("Weights has %d tensors, model.safetensors %d with 3 inv_freq buffers", len(got), len(ck.Weights))
	}
}

// TestRotaryTablesShared runs a fresh Llama on sequences of growing lengths from several goroutines at
// once, each extending the rotary tables the others read (run it with -race), and expects the logits of
// each run alone.
func TestRotaryTablesShared(t *testing.T) {
	ids := make([]int, 64)
	for i := range ids {
		ids[i] = (i*37 + 1) % 512
	}
	want := make([][]float32, 8)
	alone := loadModel(t, "stories260K", "hf")
	for k := range want {
		out, err := alone.Forward(&Batch{Size: 1, SeqLen: 8 * (k + 1), InputIDs: ids[:8*(k+1)]}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want[k] = out.Logits.Data
	}
	shared := loadModel(t, "stories260K", "hf")
	errs := make(chan error, len(want))
	for k := range want {
		go func() {
			out, err := shared.Forward(&Batch{Size: 1, SeqLen: 8 * (k + 1), InputIDs: ids[:8*(k+1)]}, Options{})
			if err == nil && !slices.Equal(out.Logits.Data, want[k]) {
				err = fmt.Errorf("%d tokens: logits differ from a run alone", 8*(k+1))
			}
			errs <- err
		}()
	}
	for range want {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestLlamaHalfPrecision saves the golden Llama in F16 and BF16 and loads it back: the weights are the
// narrowed ones, widened exactly, and the logits stay near the float32 model's (F16 keeps 11 bits, BF16
// 8; the logits are of order 1).
func TestLlamaHalfPrecision(t *testing.T) {
	g := loadGolden(t, "llama")
	b := goldenBatch(g.Inputs)
	ck := loadCheckpoint(t, "llama", "model")
	for _, tc := range []struct {
		dtype string
		tol   float64
	}{{"F16", 0.03}, {"BF16", 0.3}} {
		files, err := checkpoint.Files(ck, tc.dtype)
		if err != nil {
			t.Fatal(err)
		}
		back, err := checkpoint.LoadFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		if dt := back.DTypes["model.layers.2.mlp.up_proj.weight"]; dt != tc.dtype {
			t.Errorf("%s: up_proj read as %s", tc.dtype, dt)
		}
		m, err := New(back)
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range m.Weights() {
			if !slices.Equal(w.Data, back.Weights[name].Data) {
				t.Errorf("%s: %s is not the file's", tc.dtype, name)
			}
		}
		out, err := m.Forward(b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := maxDiff(out.Logits.Data, g.Forward.Logits)
		if d > tc.tol || d == 0 {
			t.Errorf("%s: logits %.3g from float32's, want within %g and not equal", tc.dtype, d, tc.tol)
		}
		t.Logf("%s: logits within %.2g of float32's", tc.dtype, d)
	}
}
