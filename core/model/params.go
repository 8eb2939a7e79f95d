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
	var lnEmb, q, k, val, attnOut, ln1, ffnIn, ffnOut, ln2 string
	switch c.ModelType {
	case checkpoint.BERT:
		v.param(m.wordEmb, m.base("embeddings.word_embeddings.weight"), initWeight, c.VocabSize, d)
		v.param(m.posEmb, m.base("embeddings.position_embeddings.weight"), initWeight, c.MaxPositions, d)
		v.param(m.typeEmb, m.base("embeddings.token_type_embeddings.weight"), initWeight, c.TypeVocabSize, d)
		lnEmb = "embeddings.LayerNorm"
		q, k, val = "attention.self.query", "attention.self.key", "attention.self.value"
		attnOut, ln1 = "attention.output.dense", "attention.output.LayerNorm"
		ffnIn, ffnOut, ln2 = "intermediate.dense", "output.dense", "output.LayerNorm"
	case checkpoint.DistilBERT:
		v.param(m.wordEmb, m.base("embeddings.word_embeddings.weight"), initWeight, c.VocabSize, d)
		v.param(m.posEmb, m.base("embeddings.position_embeddings.weight"), initWeight, c.MaxPositions, d)
		lnEmb = "embeddings.LayerNorm"
		q, k, val = "attention.q_lin", "attention.k_lin", "attention.v_lin"
		attnOut, ln1 = "attention.out_lin", "sa_layer_norm"
		ffnIn, ffnOut, ln2 = "ffn.lin1", "ffn.lin2", "output_layer_norm"
	case checkpoint.GPT2:
		v.param(m.wordEmb, m.base("wte.weight"), initWeight, c.VocabSize, d)
		v.param(m.posEmb, m.base("wpe.weight"), initWeight, c.MaxPositions, d)
	case checkpoint.OpenAIGPT:
		v.param(m.wordEmb, m.base("tokens_embed.weight"), initWeight, c.VocabSize, d)
		v.param(m.posEmb, m.base("positions_embed.weight"), initWeight, c.MaxPositions, d)
	}
	if m.embLN != nil {
		visitLayerNorm(v, m.embLN, m.base(lnEmb), d)
	}
	for l, b := range m.layers {
		switch c.ModelType {
		case checkpoint.BERT, checkpoint.DistilBERT:
			p := m.base(layerPath[c.ModelType]) + fmt.Sprint(l) + "."
			a := b.attnOut.in
			for i, name := range []string{q, k, val} {
				v.linearWeight(b.qkv.w[i*a:], b.qkv.out, p+name+".weight", d, a)
				v.param(b.qkv.b[i*a:(i+1)*a], p+name+".bias", initBias, a)
			}
			visitLinear(v, &b.attnOut, p+attnOut)
			visitLayerNorm(v, &b.ln1, p+ln1, d)
			visitLinear(v, &b.ffnIn, p+ffnIn)
			visitLinear(v, &b.ffnOut, p+ffnOut)
			visitLayerNorm(v, &b.ln2, p+ln2, d)
		case checkpoint.GPT2, checkpoint.OpenAIGPT:
			p := m.base("h.") + fmt.Sprint(l) + "."
			visitConv1D(v, &b.qkv, p+"attn.c_attn")
			visitConv1D(v, &b.attnOut, p+"attn.c_proj")
			visitLayerNorm(v, &b.ln1, p+"ln_1", d)
			visitConv1D(v, &b.ffnIn, p+"mlp.c_fc")
			visitConv1D(v, &b.ffnOut, p+"mlp.c_proj")
			visitLayerNorm(v, &b.ln2, p+"ln_2", d)
		}
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
		if c.ModelType == checkpoint.GPT2 {
			name = "score"
		}
		visitLinear(v, m.classifier, name)
	}
	if m.mlmTransform != nil {
		visitLinear(v, m.mlmTransform, "cls.predictions.transform.dense")
		visitLayerNorm(v, m.mlmLN, "cls.predictions.transform.LayerNorm", d)
	}
	if m.decoderBias != nil {
		v.param(m.decoderBias, "cls.predictions.bias", initBias, c.VocabSize)
	}
	if m.head == MaskedLM || m.head == CausalLM {
		if !c.TieWordEmbeddings {
			name := "lm_head.weight"
			if m.head == MaskedLM {
				name = "cls.predictions.decoder.weight"
			}
			v.param(m.decoder, name, initWeight, c.VocabSize, d)
		}
	}
}

// layerPath is where each BERT-like model keeps its layers, numbered from 0.
var layerPath = map[checkpoint.ModelType]string{
	checkpoint.BERT: "encoder.layer.", checkpoint.DistilBERT: "transformer.layer.",
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

func visitLayerNorm(v paramVisitor, ln *layerNorm, name string, d int) {
	v.param(ln.gamma, name+".weight", initGain, d)
	v.param(ln.beta, name+".bias", initBias, d)
}
