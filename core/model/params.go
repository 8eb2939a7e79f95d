package model

import (
	"fmt"

	"bertology/core/checkpoint"
)

// paramVisitor is handed every parameter of a model together with its Hugging Face name and shape.
// Loading a checkpoint, filling a model with random numbers, exporting the weights and counting them
// are all visitors, so that walk alone knows how the model's parameters map onto Hugging Face's.
type paramVisitor interface {
	// param visits a parameter that Hugging Face stores as the model does: embedding tables, biases,
	// LayerNorm gains and shifts, GPT's Conv1D weights ([in, out]). shape is Hugging Face's.
	param(p []float32, name string, init initKind, shape ...int)
	// linearWeight visits the weight of a torch nn.Linear, [out, in] in Hugging Face and [in, out] in
	// the model: w holds it from its first element with a row stride of ldw, so that it can be a block of
	// columns of a fused weight.
	linearWeight(w []float32, ldw int, name string, in, out int)
}

// initKind says how a random model initialises a parameter.
type initKind int

const (
	initWeight initKind = iota // N(0, σ²)
	initBias                   // N(0, σ²), not zero, so that a dropped bias shows
	initGain                   // 1 + N(0, σ²)
)

// walk visits every parameter of the model once, in a fixed order. Tied weights are visited under
// the name Hugging Face saves them by (the word embeddings).
func (m *Model) walk(v paramVisitor) {
	c := m.cfg
	d := c.HiddenSize
	if c.ModelType == checkpoint.Llama {
		m.walkLlama(v)
		m.walkLMHead(v)
		return
	}
	n := hfNames[c.ModelType]
	v.param(m.wordEmb, m.base(n.wordEmb), initWeight, c.VocabSize, d)
	v.param(m.posEmb, m.base(n.posEmb), initWeight, c.MaxPositions, d)
	if n.typeEmb != "" {
		v.param(m.typeEmb, m.base(n.typeEmb), initWeight, c.TypeVocabSize, d)
	}
	if m.embLN != nil {
		visitLayerNorm(v, m.embLN, m.base(n.embLN), d)
	}
	// BERT and DistilBERT keep torch's nn.Linear, the query, key and value apart; the GPTs their
	// Conv1D, the three in one.
	gpt := c.ModelType == checkpoint.GPT2 || c.ModelType == checkpoint.OpenAIGPT
	visitDense := visitLinear
	if gpt {
		visitDense = visitConv1D
	}
	for l, b := range m.layers {
		p := m.base(n.layers) + fmt.Sprint(l) + "."
		if gpt {
			visitConv1D(v, &b.qkv, p+n.qkv[0])
		} else {
			a := b.attnOut.in
			for i, name := range n.qkv {
				v.linearWeight(part(b.qkv.w, i*a, len(b.qkv.w)), b.qkv.out, p+name+".weight", d, a)
				v.param(part(b.qkv.b, i*a, (i+1)*a), p+name+".bias", initBias, a)
			}
		}
		visitDense(v, &b.attnOut, p+n.attnOut)
		visitLayerNorm(v, &b.ln1, p+n.ln1, d)
		visitDense(v, &b.ffnIn, p+n.ffnIn)
		visitDense(v, &b.ffnOut, p+n.ffnOut)
		visitLayerNorm(v, &b.ln2, p+n.ln2, d)
	}
	if m.finalLN != nil {
		visitLayerNorm(v, m.finalLN, m.base("ln_f"), d)
	}
	if m.pooler != nil {
		visitLinear(v, m.pooler, m.base("pooler.dense"))
	}
	if m.preClassifier != nil {
		visitLinear(v, m.preClassifier, "pre_classifier")
	}
	if m.classifier != nil {
		name := "classifier"
		switch {
		case c.ModelType == checkpoint.GPT2:
			name = "score"
		case m.head == QuestionAnswering:
			name = "qa_outputs"
		case m.head == PreTraining:
			name = "cls.seq_relationship"
		}
		visitLinear(v, m.classifier, name)
	}
	if m.mlmTransform != nil {
		n := mlmNames[c.ModelType]
		visitLinear(v, m.mlmTransform, n.transform)
		visitLayerNorm(v, m.mlmLN, n.layerNorm, d)
		v.param(m.decoderBias, n.bias, initBias, c.VocabSize)
		if !c.TieWordEmbeddings {
			v.param(m.decoder, n.decoder, initWeight, c.VocabSize, d)
		}
	}
	m.walkLMHead(v)
}

// walkLMHead visits a causal LM's vocabulary projection when it is not tied to the word embeddings.
func (m *Model) walkLMHead(v paramVisitor) {
	if m.head == CausalLM && !m.cfg.TieWordEmbeddings {
		v.param(m.decoder, "lm_head.weight", initWeight, m.cfg.VocabSize, m.cfg.HiddenSize)
	}
}

// walkLlama visits a Llama's base model (LlamaModel): torch nn.Linear layers without biases, the query,
// key and value projections apart (keys and values of the kept key and value heads alone), the gated
// network's gate and up projections apart, and RMSNorms, which have a gain and no shift.
func (m *Model) walkLlama(v paramVisitor) {
	c := m.cfg
	d, inter := c.HiddenSize, c.IntermediateSize
	v.param(m.wordEmb, m.base("embed_tokens.weight"), initWeight, c.VocabSize, d)
	for l, b := range m.layers {
		p := m.base("layers.") + fmt.Sprint(l) + "."
		a, kv := b.widths(c.HeadDim())
		for _, proj := range []struct {
			name      string
			from, out int
		}{{"q_proj", 0, a}, {"k_proj", a, kv}, {"v_proj", a + kv, kv}} {
			v.linearWeight(part(b.qkv.w, proj.from, len(b.qkv.w)), b.qkv.out, p+"self_attn."+proj.name+".weight", d, proj.out)
		}
		visitLinear(v, &b.attnOut, p+"self_attn.o_proj")
		visitLayerNorm(v, &b.ln1, p+"input_layernorm", d)
		v.linearWeight(b.ffnIn.w, b.ffnIn.out, p+"mlp.gate_proj.weight", d, inter)
		v.linearWeight(part(b.ffnIn.w, inter, len(b.ffnIn.w)), b.ffnIn.out, p+"mlp.up_proj.weight", d, inter)
		visitLinear(v, &b.ffnOut, p+"mlp.down_proj")
		visitLayerNorm(v, &b.ln2, p+"post_attention_layernorm", d)
	}
	visitLayerNorm(v, m.finalLN, m.base("norm"), d)
}

// mlmNames are the Hugging Face names of a masked LM's head, by model type: BERT's cls.predictions
// (also BertForPreTraining's), DistilBERT's vocab_* layers. The decoder is saved only when it is not
// tied to the word embeddings.
var mlmNames = map[checkpoint.ModelType]struct{ transform, layerNorm, bias, decoder string }{
	checkpoint.BERT: {"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
		"cls.predictions.bias", "cls.predictions.decoder.weight"},
	checkpoint.DistilBERT: {"vocab_transform", "vocab_layer_norm", "vocab_projector.bias", "vocab_projector.weight"},
}

// parameterNames are the Hugging Face names of one model type's embeddings and layers, relative to the
// base model; a layer's are relative to its own path, layers + its number + ".". typeEmb and embLN are
// empty where the model has none.
type parameterNames struct {
	wordEmb, posEmb, typeEmb, embLN  string
	layers                           string
	qkv                              []string // query, key and value; the GPTs' one fused projection
	attnOut, ln1, ffnIn, ffnOut, ln2 string
}

var hfNames = map[checkpoint.ModelType]parameterNames{
	checkpoint.BERT: {
		wordEmb: "embeddings.word_embeddings.weight", posEmb: "embeddings.position_embeddings.weight",
		typeEmb: "embeddings.token_type_embeddings.weight", embLN: "embeddings.LayerNorm",
		layers: "encoder.layer.", qkv: []string{"attention.self.query", "attention.self.key", "attention.self.value"},
		attnOut: "attention.output.dense", ln1: "attention.output.LayerNorm",
		ffnIn: "intermediate.dense", ffnOut: "output.dense", ln2: "output.LayerNorm",
	},
	checkpoint.DistilBERT: {
		wordEmb: "embeddings.word_embeddings.weight", posEmb: "embeddings.position_embeddings.weight",
		embLN:  "embeddings.LayerNorm",
		layers: "transformer.layer.", qkv: []string{"attention.q_lin", "attention.k_lin", "attention.v_lin"},
		attnOut: "attention.out_lin", ln1: "sa_layer_norm",
		ffnIn: "ffn.lin1", ffnOut: "ffn.lin2", ln2: "output_layer_norm",
	},
	checkpoint.GPT2: {
		wordEmb: "wte.weight", posEmb: "wpe.weight",
		layers: "h.", qkv: []string{"attn.c_attn"}, attnOut: "attn.c_proj", ln1: "ln_1",
		ffnIn: "mlp.c_fc", ffnOut: "mlp.c_proj", ln2: "ln_2",
	},
	checkpoint.OpenAIGPT: {
		wordEmb: "tokens_embed.weight", posEmb: "positions_embed.weight",
		layers: "h.", qkv: []string{"attn.c_attn"}, attnOut: "attn.c_proj", ln1: "ln_1",
		ffnIn: "mlp.c_fc", ffnOut: "mlp.c_proj", ln2: "ln_2",
	},
}

// part is p[from:to], or p in a model that is only measured, whose parameters are empty.
func part(p []float32, from, to int) []float32 {
	if len(p) == 0 {
		return p
	}
	return p[from:to]
}

// base names a parameter of the base model as Hugging Face saves it for this model.
func (m *Model) base(name string) string { return m.prefix + name }

func visitLinear(v paramVisitor, l *linear, name string) {
	v.linearWeight(l.w, l.out, name+".weight", l.in, l.out)
	if l.b != nil {
		v.param(l.b, name+".bias", initBias, l.out)
	}
}

func visitConv1D(v paramVisitor, l *linear, name string) {
	v.param(l.w, name+".weight", initWeight, l.in, l.out)
	v.param(l.b, name+".bias", initBias, l.out)
}

// visitLayerNorm visits a LayerNorm's gain and shift, an RMSNorm's gain.
func visitLayerNorm(v paramVisitor, ln *layerNorm, name string, d int) {
	v.param(ln.gamma, name+".weight", initGain, d)
	if ln.beta != nil {
		v.param(ln.beta, name+".bias", initBias, d)
	}
}
