package model

import (
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"

	"bertology/core/checkpoint"
)

// The gradient checks compare the backward pass with central differences of the loss. The model
// computes in float32 throughout (the kernels are float32), and a float64 copy of it would be a second
// model to keep in step, so the differences are taken of the float32 model itself, as carefully as
// float32 allows: the loss is accumulated and returned in float64 from the float32 logits (Model.loss),
// adding no rounding of its own, and the derivative along a random direction, which moves every element
// of a tensor by N(0, 1) times the tensor's RMS times a relative step h, is estimated with the five-point
// stencil
//
//	f'(0) ≈ (-f(2h) + 8f(h) - 8f(-h) + f(-2h)) / 12h,
//
// whose truncation error is O(h⁴). The forward pass's float32 rounding leaves about 1e-7 of noise in the
// loss, which contributes about 1e-7/h to the estimate, while the truncation grows with h, fastest where
// the loss bends sharply (near a ReLU's kink, or where a LayerNorm gain steers a saturated softmax). No
// single step suits every tensor, so each derivative is estimated at fdSteps in turn and passes when one
// estimate agrees with the backward pass to fdTolerance; on these models the best step's estimate is
// within 4e-5 absolute, or 1e-4 relative, of the backward pass. A wrong sign, a missing term or a
// transposed index moves a random directional derivative by a sizeable fraction of itself at every
// step, far beyond that: deliberately broken backward passes (a LayerNorm shift's gradient negated, a
// term of the LayerNorm or GELU derivative dropped, dK computed untransposed, DistilBERT's query scaling
// or GPT-2's layer scaling forgotten, the head-mask gradient taken from the masked attention, one weight
// gradient entry off by 0.01, a residual's gradient dropped, ...) each fail it. To keep the check
// meaningful, each kind of parameter must have derivatives well above the absolute tolerance.
var fdSteps = []float64{3e-3, 1e-2, 1e-3}

// fdTolerance is how far a finite-difference estimate may be from the analytic derivative an.
func fdTolerance(an float64) float64 { return 1e-3*math.Abs(an) + 5e-5 }

// fdCheck estimates the derivative of f at 0 (f(s) is the loss with the input moved s along a
// direction) and reports whether one of the estimates agrees with an; est is the closest.
func fdCheck(an float64, f func(s float64) float64) (est float64, ok bool) {
	est = math.Inf(1)
	for _, h := range fdSteps {
		fd := (-f(2*h) + 8*f(h) - 8*f(-h) + f(-2*h)) / (12 * h)
		if math.Abs(fd-an) < math.Abs(est-an) {
			est = fd
		}
		if math.Abs(fd-an) <= fdTolerance(an) {
			return est, true
		}
	}
	return est, false
}

// gradCheckModel is a small random model to check the gradients of.
type gradCheckModel struct {
	name   string
	config string                                  // config.json
	labels func(ids []int, size, seqLen int) []int // nil: regression targets, unless more labels the batch
	// more sets what the head's loss needs besides labels: a question answerer's positions, the
	// pre-training head's next-sentence labels.
	more  func(b *Batch)
	kinds []string // the parameter kinds it must have, from gradCheckKinds
}

func classLabels(_ []int, size, _ int) []int {
	l := make([]int, size)
	for i := range l {
		l[i] = i % 2
	}
	return l
}

// tokenLabels labels every real token with its id (a causal LM shifts them itself).
func tokenLabels(ids []int, _, _ int) []int { return slices.Clone(ids) }

// tagLabels labels every real token with one of three classes, as a token classifier's tags, but the
// first ([CLS]), as word pieces after a word's first are left out.
func tagLabels(ids []int, _, seqLen int) []int {
	l := make([]int, len(ids))
	for i, id := range ids {
		l[i] = id % 3
		if i%seqLen == 0 {
			l[i] = ignoreIndex
		}
	}
	return l
}

// spanPositionsOf gives the two sequences answers from 1 to 3 and 4 to 2 (a question answerer's
// positions need not be ordered).
func spanPositionsOf(b *Batch) { b.StartPositions, b.EndPositions = []int{1, 4}, []int{3, 2} }

// nextSentenceLabels says the first sequence's second text follows its first, the second's not.
func nextSentenceLabels(b *Batch) { b.NextSentenceLabels = []int{0, 1} }

// maskedLabels labels every third token, as a masked LM's few masked positions.
func maskedLabels(ids []int, _, _ int) []int {
	l := slices.Repeat([]int{ignoreIndex}, len(ids))
	for i := 1; i < len(ids); i += 3 {
		l[i] = ids[i]
	}
	return l
}

// gradCheckModels cover between them every head and loss (cross-entropy of sequences and tokens,
// masked, causal, mean squared error, a question answerer's spans, masked LM plus next sentence), every
// activation (erf and tanh GELU, SiLU, the pooler's tanh, the pre-classifier's ReLU), pruned heads,
// untied LM heads and GPT-2's scaling by the inverse layer index; Llama's RMSNorms, gated SiLU network,
// rotary embeddings and grouped-query attention, with a whole key and value group pruned.
var gradCheckModels = []gradCheckModel{
	{"bert", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3, "pruned_heads": {"1": [0, 2]}}`,
		classLabels, nil, []string{"word", "position", "token type", "LN gain", "LN shift", "qkv weight", "qkv bias",
			"attention output", "feed-forward", "pooler", "classifier"}},
	{"bert regression", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"],
		"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 24,
		"vocab_size": 30, "max_position_embeddings": 8, "initializer_range": 0.3, "num_labels": 1,
		"hidden_act": "silu"}`,
		nil, nil, []string{"pooler", "classifier"}},
	{"bert-mlm", `{"model_type": "bert", "architectures": ["BertForMaskedLM"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		maskedLabels, nil, []string{"word", "MLM transform", "MLM decoder bias"}},
	{"distilbert", `{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"],
		"dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		classLabels, nil, []string{"word", "position", "LN gain", "LN shift", "qkv weight", "qkv bias",
			"attention output", "feed-forward", "pre-classifier", "classifier"}},
	{"gpt2", `{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 16, "n_layer": 2,
		"n_head": 4, "vocab_size": 30, "n_positions": 8, "initializer_range": 0.3,
		"scale_attn_by_inverse_layer_idx": true}`,
		tokenLabels, nil, []string{"word", "position", "LN gain", "LN shift", "qkv weight", "qkv bias",
			"attention output", "feed-forward"}},
	{"gpt2 untied", `{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 16, "n_layer": 1,
		"n_head": 2, "vocab_size": 30, "n_positions": 8, "initializer_range": 0.3, "tie_word_embeddings": false}`,
		tokenLabels, nil, []string{"word", "LM head"}},
	{"gpt2 classifier", `{"model_type": "gpt2", "architectures": ["GPT2ForSequenceClassification"], "n_embd": 16,
		"n_layer": 2, "n_head": 2, "vocab_size": 30, "n_positions": 8, "initializer_range": 0.3,
		"pad_token_id": 0}`,
		classLabels, nil, []string{"classifier"}},
	{"openai-gpt", `{"model_type": "openai-gpt", "architectures": ["OpenAIGPTLMHeadModel"], "n_embd": 16,
		"n_layer": 2, "n_head": 4, "vocab_size": 30, "n_positions": 8, "initializer_range": 0.3}`,
		tokenLabels, nil, []string{"word", "position", "LN gain", "LN shift", "qkv weight", "qkv bias",
			"attention output", "feed-forward"}},
	{"bert-token", `{"model_type": "bert", "architectures": ["BertForTokenClassification"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3, "num_labels": 3, "pruned_heads": {"0": [3]}}`,
		tagLabels, nil, []string{"word", "LN gain", "qkv weight", "feed-forward", "classifier"}},
	{"distilbert-token", `{"model_type": "distilbert", "architectures": ["DistilBertForTokenClassification"],
		"dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3, "num_labels": 3}`,
		tagLabels, nil, []string{"word", "position", "qkv weight", "feed-forward", "classifier"}},
	{"bert-qa", `{"model_type": "bert", "architectures": ["BertForQuestionAnswering"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		nil, spanPositionsOf, []string{"word", "token type", "qkv weight", "feed-forward", "QA outputs"}},
	{"distilbert-qa", `{"model_type": "distilbert", "architectures": ["DistilBertForQuestionAnswering"],
		"dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		nil, spanPositionsOf, []string{"word", "position", "qkv weight", "feed-forward", "QA outputs"}},
	{"distilbert-mlm", `{"model_type": "distilbert", "architectures": ["DistilBertForMaskedLM"],
		"dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		maskedLabels, nil, []string{"word", "MLM transform", "MLM decoder bias"}},
	{"distilbert-mlm untied", `{"model_type": "distilbert", "architectures": ["DistilBertForMaskedLM"],
		"dim": 16, "n_layers": 1, "n_heads": 2, "hidden_dim": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3, "tie_word_embeddings": false}`,
		maskedLabels, nil, []string{"word", "MLM transform", "MLM decoder bias", "LM head"}},
	{"bert-pretraining", `{"model_type": "bert", "architectures": ["BertForPreTraining"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3}`,
		maskedLabels, nextSentenceLabels, []string{"word", "MLM transform", "MLM decoder bias", "pooler", "next sentence"}},
	{"llama", `{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
		"vocab_size": 30, "max_position_embeddings": 8, "initializer_range": 0.3, "rms_norm_eps": 1e-6,
		"pruned_heads": {"1": [0, 1]}}`,
		tokenLabels, nil, []string{"word", "RMSNorm gain", "query", "key and value", "attention output",
			"gated feed-forward", "LM head"}},
	{"llama tied", `{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 16,
		"num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 24, "vocab_size": 30,
		"max_position_embeddings": 8, "initializer_range": 0.3, "tie_word_embeddings": true, "rope_theta": 500}`,
		tokenLabels, nil, []string{"word", "RMSNorm gain", "query", "key and value", "gated feed-forward"}},
}

// gradCheckKinds sorts Hugging Face weight names into the kinds of parameter the backward pass treats
// differently; the first match wins (the MLM transform's LayerNorm is the MLM transform's).
var gradCheckKinds = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"word", regexp.MustCompile(`(word_embeddings|wte|tokens_embed|embed_tokens)\.weight$`)},
	{"RMSNorm gain", regexp.MustCompile(`(input_layernorm|post_attention_layernorm|model\.norm)\.weight$`)},
	{"query", regexp.MustCompile(`self_attn\.q_proj\.weight$`)},
	{"key and value", regexp.MustCompile(`self_attn\.[kv]_proj\.weight$`)},
	{"gated feed-forward", regexp.MustCompile(`mlp\.(gate|up|down)_proj\.weight$`)},
	{"position", regexp.MustCompile(`(position_embeddings|wpe|positions_embed)\.weight$`)},
	{"token type", regexp.MustCompile(`token_type_embeddings\.weight$`)},
	{"MLM transform", regexp.MustCompile(`^(cls\.predictions\.transform|vocab_transform|vocab_layer_norm)\.`)},
	{"LN gain", regexp.MustCompile(`(LayerNorm|layer_norm|ln_\w+)\.weight$`)},
	{"LN shift", regexp.MustCompile(`(LayerNorm|layer_norm|ln_\w+)\.bias$`)},
	{"qkv weight", regexp.MustCompile(`(self\.(query|key|value)|[qkv]_lin|c_attn)\.weight$`)},
	{"qkv bias", regexp.MustCompile(`(self\.(query|key|value)|[qkv]_lin|c_attn)\.bias$`)},
	{"attention output", regexp.MustCompile(`(attention\.output\.dense|out_lin|attn\.c_proj|self_attn\.o_proj)\.`)},
	{"feed-forward", regexp.MustCompile(`(intermediate\.dense|\d\.output\.dense|lin[12]|c_fc|mlp\.c_proj)\.`)},
	{"pooler", regexp.MustCompile(`pooler\.dense\.`)},
	{"pre-classifier", regexp.MustCompile(`^pre_classifier\.`)},
	{"classifier", regexp.MustCompile(`^(classifier|score)\.`)},
	{"QA outputs", regexp.MustCompile(`^qa_outputs\.`)},
	{"next sentence", regexp.MustCompile(`^cls\.seq_relationship\.`)},
	{"MLM decoder bias", regexp.MustCompile(`^(cls\.predictions\.bias|vocab_projector\.bias)$`)},
	{"LM head", regexp.MustCompile(`^(lm_head|vocab_projector)\.weight$`)},
}

func paramKind(name string) string {
	for _, k := range gradCheckKinds {
		if k.re.MatchString(name) {
			return k.kind
		}
	}
	return ""
}

// gradCheckBatch is a batch of two sequences of six tokens, the second with two padding tokens, with
// token types for BERT and labels as the model wants them (regression targets when it has neither
// labels nor more).
func gradCheckBatch(cfg *checkpoint.Config, r *rand.Rand, tc gradCheckModel) *Batch {
	const size, seqLen = 2, 6
	b := &Batch{Size: size, SeqLen: seqLen, InputIDs: make([]int, size*seqLen),
		AttentionMask: []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}}
	for i := range b.InputIDs {
		b.InputIDs[i] = 1 + r.IntN(cfg.VocabSize-1) // 0 is the padding (GPT-2 classifier's pad_token_id)
	}
	b.InputIDs[10], b.InputIDs[11] = 0, 0
	if cfg.ModelType == checkpoint.BERT {
		b.TokenTypeIDs = []int{0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0}
	}
	if tc.more != nil {
		tc.more(b)
	}
	switch {
	case tc.labels != nil:
		b.Labels = tc.labels(b.InputIDs, size, seqLen)
		if len(b.Labels) == len(b.InputIDs) {
			b.Labels[10], b.Labels[11] = ignoreIndex, ignoreIndex
		}
	case tc.more == nil:
		b.Targets = []float32{0.5, -1}
	}
	return b
}

// randomHeadMask is a head mask of random entries around 1, one of them 0, so that the checks see the
// mask scale each head's attention and its gradient.
func randomHeadMask(cfg *checkpoint.Config, r *rand.Rand) []float32 {
	mask := make([]float32, cfg.NumLayers*cfg.NumHeads)
	for i := range mask {
		mask[i] = 0.5 + r.Float32()
	}
	mask[1] = 0
	return mask
}

// randomDirection returns n values N(0, scale²).
func randomDirection(r *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * scale)
	}
	return v
}

func rms(x []float32) float64 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	return math.Sqrt(ss / float64(len(x)))
}

func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// outputHeadActs is what the loss reads of a head's outputs: its logits, the question answerer's start
// and end logits interleaved as qa_outputs gives them, the pre-training head's next-sentence logits.
func outputHeadActs(out *Output) *headActs {
	h := &headActs{}
	switch {
	case out.Logits != nil:
		h.logits = out.Logits.Data
	case out.StartLogits != nil:
		for i, v := range out.StartLogits.Data {
			h.logits = append(h.logits, v, out.EndLogits.Data[i])
		}
	}
	if out.NextSentenceLogits != nil {
		h.nextSentence = out.NextSentenceLogits.Data
	}
	return h
}

// TestGradientCheck checks every parameter's gradient, and the head mask's, against finite differences
// of the loss, on small random models of each architecture and head, under a head mask and with padding.
func TestGradientCheck(t *testing.T) {
	for i, tc := range gradCheckModels {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			cfg, err := checkpoint.ParseConfig([]byte(tc.config))
			if err != nil {
				t.Fatal(err)
			}
			m, err := randomModel(cfg, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			b := gradCheckBatch(cfg, r, tc)
			opt := Options{HeadMask: randomHeadMask(cfg, r)}
			_, grads, err := m.ForwardBackward(b, opt, GradOptions{HeadMask: true, Weights: true})
			if err != nil {
				t.Fatal(err)
			}
			loss := func() float64 {
				out, err := m.Forward(b, opt)
				if err != nil {
					t.Fatal(err)
				}
				l, _ := m.loss(outputHeadActs(out), b)
				return l
			}

			weights := m.Weights()
			if len(grads.Weights) != len(weights) {
				t.Errorf("%d weight gradients for %d weights", len(grads.Weights), len(weights))
			}
			largest := map[string]float64{} // each kind's largest directional derivative
			for _, name := range slices.Sorted(maps.Keys(weights)) {
				w, g := weights[name], grads.Weights[name]
				kind := paramKind(name)
				if kind == "" {
					t.Errorf("%s: no kind of parameter matches", name)
				}
				if g == nil || !slices.Equal(g.Shape, w.Shape) {
					t.Fatalf("%s: gradient %v for a weight of shape %v", name, g, w.Shape)
				}
				dir := randomDirection(r, len(w.Data), rms(w.Data))
				an := dot(g.Data, dir)
				largest[kind] = max(largest[kind], math.Abs(an))
				move := func(s float64) {
					m.Update(func(p Param, v []float32) {
						if p.Name == name {
							for i := range v {
								v[i] = float32(float64(w.Data[i]) + s*float64(dir[i]))
							}
						}
					})
				}
				fd, ok := fdCheck(an, func(s float64) float64 { move(s); return loss() })
				move(0)
				if !ok {
					t.Errorf("%s (%s): directional derivative %.6g, finite differences %.6g", name, kind, an, fd)
				}
			}
			for _, kind := range tc.kinds {
				if largest[kind] < 100*fdTolerance(0) {
					t.Errorf("%s: largest directional derivative %.3g, too small for the check to mean much", kind, largest[kind])
				}
			}

			mask := opt.HeadMask
			for i, an := range grads.HeadMask {
				l, h := i/cfg.NumHeads, i%cfg.NumHeads
				if slices.Contains(cfg.PrunedHeads[l], h) && an != 0 {
					t.Errorf("head mask [%d, %d]: pruned head has gradient %v", l, h, an)
				}
				orig := mask[i]
				fd, ok := fdCheck(float64(an), func(s float64) float64 {
					mask[i] = float32(float64(orig) + s)
					return loss()
				})
				mask[i] = orig
				if !ok {
					t.Errorf("head mask [%d, %d]: gradient %.6g, finite differences %.6g", l, h, an, fd)
				}
			}
		})
	}
}

// TestBlockInputGradient checks the gradient of each kind of block with respect to its input
// activations and its head mask, the block taken alone: the loss is a fixed random linear function of
// its output, Σ out ⊙ R, so that the gradient fed back is R. The second layer is taken, where the BERT
// model has pruned heads and GPT-2 scales by the inverse layer index.
func TestBlockInputGradient(t *testing.T) {
	for i, tc := range gradCheckModels {
		if !slices.Contains([]string{"bert", "distilbert", "gpt2", "openai-gpt", "llama"}, tc.name) {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 2))
			cfg, err := checkpoint.ParseConfig([]byte(tc.config))
			if err != nil {
				t.Fatal(err)
			}
			m, err := randomModel(cfg, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			const l = 1
			blk := m.layers[l]
			b := gradCheckBatch(cfg, r, tc)
			sh := shape{batch: b.Size, seqLen: b.SeqLen, rows: b.Size * b.SeqLen, hidden: cfg.HiddenSize, headDim: cfg.HeadDim()}
			n, d := sh.rows, sh.hidden
			x := randomDirection(r, n*d, 1)
			weight := randomDirection(r, n*d, 1/math.Sqrt(float64(n*d))) // R, scaled to keep the loss about 1
			headMask := m.layerHeadMask(new([]float32), randomHeadMask(cfg, r), l)
			run := func(x []float32) (*layerActs, float64) {
				a := &layerActs{}
				a.prepare(blk, sh, m.preLN(), true)
				m.blockForward(a, blk, l, x, sh, b.AttentionMask, headMask)
				return a, dot(a.out, weight)
			}

			a, _ := run(x)
			dx, dMask := make([]float32, n*d), make([]float32, cfg.NumHeads)
			m.blockBackward(&blockScratch{}, a, blk, nil, l, weight, dx, sh, b.AttentionMask, headMask, dMask)

			dir := randomDirection(r, n*d, 1)
			an := dot(dx, dir)
			moved := make([]float32, n*d)
			fd, ok := fdCheck(an, func(s float64) float64 {
				for j, v := range x {
					moved[j] = float32(float64(v) + s*float64(dir[j]))
				}
				_, f := run(moved)
				return f
			})
			if !ok {
				t.Errorf("input: directional derivative %.6g, finite differences %.6g", an, fd)
			}
			for k, h := range blk.heads {
				orig := headMask[k]
				fd, ok := fdCheck(float64(dMask[h]), func(s float64) float64 {
					headMask[k] = float32(float64(orig) + s)
					_, f := run(x)
					return f
				})
				headMask[k] = orig
				if !ok {
					t.Errorf("head %d: mask gradient %.6g, finite differences %.6g", h, dMask[h], fd)
				}
			}
		})
	}
}
