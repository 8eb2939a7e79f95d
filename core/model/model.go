// Package model runs BERT, DistilBERT, GPT-2, OpenAI GPT and Llama checkpoints in Hugging Face's layout and
// returns what BERTology looks at: logits and loss, every hidden state, every head's attention and
// context, with heads masked or pruned.
//
// The numbers match Hugging Face transformers 4.31 in float32 to 1e-5 (see testdata/golden/README.md),
// including its odd corners: padding masks that add float32's lowest value, OpenAI GPT's -1e4 causal
// mask, DistilBERT scaling the queries rather than the scores.
//
// Each block's forward pass is an explicit function over plain slices that leaves every activation a
// backward pass needs in a layerActs (llm.c style); the hot loops go through kernel.Kernels.
package model

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// Head is the task layer a model carries on top of its transformer.
type Head int

const (
	// NoHead is a bare base model (BertModel, GPT2Model, ...): hidden states and attentions, no logits.
	NoHead Head = iota
	// SequenceClassification gives one row of NumLabels logits per sequence: BERT's pooler and
	// classifier, DistilBERT's pre-classifier and classifier on the first token, GPT-2's score on the last
	// token before the padding.
	SequenceClassification
	// MaskedLM gives vocabulary logits at every position (BertForMaskedLM).
	MaskedLM
	// CausalLM gives next-token vocabulary logits at every position (GPT2LMHeadModel,
	// OpenAIGPTLMHeadModel).
	CausalLM
	// TokenClassification gives NumLabels logits at every position: a classifier on each token's final
	// hidden state (BertForTokenClassification, DistilBertForTokenClassification).
	TokenClassification
	// QuestionAnswering gives a span's start and end logits at every position: qa_outputs, a layer of two
	// outputs on each token's final hidden state (BertForQuestionAnswering, DistilBertForQuestionAnswering).
	QuestionAnswering
	// PreTraining is BERT's pre-training head (BertForPreTraining): the masked LM's vocabulary logits at
	// every position, and the next-sentence logits of the pooled first token.
	PreTraining
)

func (h Head) String() string {
	switch h {
	case SequenceClassification:
		return "sequence classification"
	case MaskedLM:
		return "masked language model"
	case CausalLM:
		return "causal language model"
	case TokenClassification:
		return "token classification"
	case QuestionAnswering:
		return "question answering"
	case PreTraining:
		return "pre-training head (masked language model and next sentence)"
	}
	return "no head"
}

// Model is a loaded transformer. Its weights are kept in the layout the kernels want (every dense
// layer as [in, out]); Weights gives them back in Hugging Face's names and layout. Forward keeps no
// state between calls, so several goroutines may share a Model.
type Model struct {
	cfg  *checkpoint.Config
	head Head
	k    kernel.Kernels
	act  activation // of the feed-forward layers and BERT's MLM transform

	// prefix is the base model's weight-name prefix ("bert.", "distilbert.", "transformer.") when the
	// model has a head, as Hugging Face saves it; a bare model's names have none.
	prefix string
	// padID is GPT-2's pad_token_id, which its sequence classifier uses to find the last token.
	padID    int
	hasPadID bool

	wordEmb []float32 // [VocabSize, D]
	posEmb  []float32 // [MaxPositions, D]
	typeEmb []float32 // [TypeVocabSize, D], BERT only
	embLN   *layerNorm

	layers  []*block
	finalLN *layerNorm // GPT-2's ln_f, Llama's norm (an RMSNorm)
	rope    *rotary    // Llama's rotary position embeddings

	pooler        *linear // BERT: tanh(dense(first token)); kept in a bare BertModel that has one
	preClassifier *linear // DistilBERT: relu(pre_classifier(first token))
	// classifier is the last layer of a classifying head: BERT's and DistilBERT's classifier (of
	// sequences or tokens), GPT-2's score (no bias), the question answerer's qa_outputs, BERT's
	// pre-training cls.seq_relationship.
	classifier   *linear
	mlmTransform *linear // masked LM: dense, activation, LayerNorm (BERT's cls.predictions.transform, DistilBERT's vocab_transform)
	mlmLN        *layerNorm
	decoder      []float32 // [VocabSize, D] vocabulary projection; the word embeddings when tied
	// decoderBias [VocabSize] is the masked LM's output bias: BERT's cls.predictions.bias, DistilBERT's
	// vocab_projector.bias.
	decoderBias   []float32
	decoderPacked *kernel.Packed // decoderᵀ laid out for the kernels, when they pack (see packWeights)

	// blocks are the slices the parameters above are stored in, in the order layout made them: what an
	// optimiser walks (UpdateWith), beside the same blocks of a gradient laid out like the model.
	blocks []paramBlock
	// measured says that the model is laid out only to be measured, before the one that runs is
	// allocated: its parameters are empty (newParam) and it never runs.
	measured bool

	spare sync.Pool // *workspace: the buffers of passes that have ended (workspace.go)
}

// paramBlock is one slice a model stores parameters in, in its own layout, and the role of every value
// in it. A fused weight (BERT's query, key and value) is one block, a weight tied to another none.
type paramBlock struct {
	kind ParamKind
	w    []float32
}

// block is one transformer layer. The attention projections of all its heads are fused into qkv,
// whose output packs the queries of the kept heads, then the keys and the values of the kept key and
// value heads (each head_dim wide), as GPT-2's c_attn does. Without grouped-query attention the key
// and value heads are the query heads; with it (Llama) each is shared by a group of query heads.
type block struct {
	heads   []int  // original numbers of the (query) heads the layer keeps, ascending
	kv      []int  // original numbers of the key and value heads it keeps, ascending
	kvOf    []int  // [len(heads)] the index in kv of each kept head's key and value head
	qkv     linear // D → A + 2·KV, A = len(heads)·head_dim, KV = len(kv)·head_dim
	attnOut linear // A → D
	ln1     layerNorm
	ffnIn   linear // D → intermediate; a gated network's D → 2·intermediate, gate|up (glu.go)
	ffnOut  linear // intermediate → D
	ln2     layerNorm
}

// widths returns the block's query width A and key (and value) width KV: its queries are columns
// [0, A) of qkv's output, its keys [A, A+KV), its values [A+KV, A+2·KV).
func (blk *block) widths(hd int) (a, kv int) { return len(blk.heads) * hd, len(blk.kv) * hd }

// sharesKV reports whether some key and value head serves several of the block's query heads.
func (blk *block) sharesKV() bool { return len(blk.kv) < len(blk.heads) }

// New builds a model from a checkpoint. The task head follows config.architectures[0], which must be
// one of the classes bertology runs (see architectureHeads) for the config's model type; any other
// class is refused by name rather than run as something it is not. A config that names no architecture
// gets the head its tensors imply, NoHead when none fits. Layers named in pruned_heads get that many
// fewer heads, and their weights must have the shrunk shapes. Weight names are accepted with or
// without the base model's prefix ("bert.", ...), and LayerNorm "gamma"/"beta" for "weight"/"bias", as
// Hugging Face accepts them; tensors the model does not use are ignored. Errors name the first missing
// or mis-shaped tensor.
//
// The model copies the weights it uses; ck is not kept.
//
// Nothing is allocated before the checkpoint's shapes are checked against the config and the model's
// weights, with their packed copies, are found to fit the memory left (see Memory.Fits).
func New(ck *checkpoint.Checkpoint, opts ...Option) (*Model, error) {
	ld := &loader{weights: ck.Weights, prefix: basePrefix[ck.Config.ModelType]}
	head, err := architectureHead(ck.Config)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if len(ck.Config.Architectures) == 0 {
		head = headFromTensors(ck.Config.ModelType, ld)
	}
	// A bare BertModel has a pooler unless it was built without one; keep it when the checkpoint does,
	// so that the parameter count and the export match Hugging Face's.
	withPooler := ck.Config.ModelType == checkpoint.BERT && head == NoHead && ld.has("pooler.dense.weight")
	plan, err := build(ck.Config, head, withPooler, true)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	for _, o := range opts {
		o(plan)
	}
	plan.walk(shapeChecker{ld})
	if ld.err != nil {
		return nil, fmt.Errorf("model: %w", ld.err)
	}
	if err := plan.weightMemory().Fits("the model"); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m, err := build(ck.Config, head, withPooler, false)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m.walk(ld)
	if ld.err != nil {
		return nil, fmt.Errorf("model: %w", ld.err)
	}
	for _, o := range opts {
		o(m)
	}
	m.packWeights()
	return m, nil
}

// Option changes how New builds a model.
type Option func(*Model)

// WithKernels makes the model run its hot loops on k instead of kernel.Default.
func WithKernels(k kernel.Kernels) Option { return func(m *Model) { m.k = k } }

// Kernels is the implementation the model runs its hot loops on.
func (m *Model) Kernels() kernel.Kernels { return m.k }

// build lays out a model for cfg with the given head, its parameters allocated and zero, or, when
// measured, not allocated at all (see newParam).
func build(cfg *checkpoint.Config, head Head, withPooler, measured bool) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	act, err := activationFor(cfg)
	if err != nil {
		return nil, err
	}
	if head == QuestionAnswering && cfg.NumLabels != 2 {
		// Hugging Face splits qa_outputs into exactly a start and an end (DistilBERT refuses other counts).
		return nil, fmt.Errorf("question answering needs num_labels 2 (a start and an end logit), config.json has %d", cfg.NumLabels)
	}
	m := &Model{cfg: cfg, head: head, k: kernel.Default, act: act, measured: measured}
	if head != NoHead {
		m.prefix = basePrefix[cfg.ModelType]
	}
	if raw, ok := cfg.Raw["pad_token_id"]; ok && string(raw) != "null" {
		m.padID, m.hasPadID = cfg.PadTokenID, true
	}
	m.layout(withPooler)
	return m, nil
}

// basePrefix is the attribute name of the base model inside Hugging Face's task models.
var basePrefix = map[checkpoint.ModelType]string{
	checkpoint.BERT: "bert.", checkpoint.DistilBERT: "distilbert.", checkpoint.GPT2: "transformer.",
	checkpoint.OpenAIGPT: "transformer.", checkpoint.Llama: "model.",
}

// architectureHeads maps the task classes bertology runs to their model type and head.
var architectureHeads = map[string]struct {
	modelType checkpoint.ModelType
	head      Head
}{
	"BertModel":                           {checkpoint.BERT, NoHead},
	"BertForSequenceClassification":       {checkpoint.BERT, SequenceClassification},
	"BertForTokenClassification":          {checkpoint.BERT, TokenClassification},
	"BertForQuestionAnswering":            {checkpoint.BERT, QuestionAnswering},
	"BertForMaskedLM":                     {checkpoint.BERT, MaskedLM},
	"BertForPreTraining":                  {checkpoint.BERT, PreTraining},
	"DistilBertModel":                     {checkpoint.DistilBERT, NoHead},
	"DistilBertForSequenceClassification": {checkpoint.DistilBERT, SequenceClassification},
	"DistilBertForTokenClassification":    {checkpoint.DistilBERT, TokenClassification},
	"DistilBertForQuestionAnswering":      {checkpoint.DistilBERT, QuestionAnswering},
	"DistilBertForMaskedLM":               {checkpoint.DistilBERT, MaskedLM},
	"GPT2Model":                           {checkpoint.GPT2, NoHead},
	"GPT2LMHeadModel":                     {checkpoint.GPT2, CausalLM},
	"GPT2ForSequenceClassification":       {checkpoint.GPT2, SequenceClassification},
	"OpenAIGPTModel":                      {checkpoint.OpenAIGPT, NoHead},
	"OpenAIGPTLMHeadModel":                {checkpoint.OpenAIGPT, CausalLM},
	"LlamaModel":                          {checkpoint.Llama, NoHead},
	"LlamaForCausalLM":                    {checkpoint.Llama, CausalLM},
}

// architectureHead is the head of the config's first architecture: NoHead when it names none, an error
// when it names a class bertology does not run (BertForMultipleChoice, GPT2DoubleHeadsModel,
// RobertaForMaskedLM, ...) or one of another model type than the config's.
func architectureHead(cfg *checkpoint.Config) (Head, error) {
	if len(cfg.Architectures) == 0 {
		return NoHead, nil
	}
	class := cfg.Architectures[0]
	a, ok := architectureHeads[class]
	switch {
	case !ok:
		return NoHead, fmt.Errorf("bertology does not support %s yet (config.json's architectures)", class)
	case a.modelType != cfg.ModelType:
		return NoHead, fmt.Errorf("config.json names the architecture %s, a %s model, but its model_type is %s", class, a.modelType, cfg.ModelType)
	}
	return a.head, nil
}

// headFromTensors decides the head of a checkpoint whose config names no architecture from the
// tensors the loader holds, under any name it accepts. A
// classifier with a pooler (BERT) or pre-classifier (DistilBERT) classifies sequences; without one it
// classifies tokens, as BertForTokenClassification is built without a pooler.
func headFromTensors(mt checkpoint.ModelType, ld *loader) Head {
	has := ld.has
	switch mt {
	case checkpoint.BERT:
		switch {
		case has("cls.seq_relationship.weight"):
			return PreTraining
		case has("qa_outputs.weight"):
			return QuestionAnswering
		case has("classifier.weight") && has("pooler.dense.weight"):
			return SequenceClassification
		case has("classifier.weight"):
			return TokenClassification
		case has("cls.predictions.bias"):
			return MaskedLM
		}
	case checkpoint.DistilBERT:
		switch {
		case has("qa_outputs.weight"):
			return QuestionAnswering
		case has("classifier.weight") && has("pre_classifier.weight"):
			return SequenceClassification
		case has("classifier.weight"):
			return TokenClassification
		case has("vocab_projector.bias"):
			return MaskedLM
		}
	case checkpoint.GPT2, checkpoint.OpenAIGPT, checkpoint.Llama:
		if has("score.weight") && mt == checkpoint.GPT2 {
			return SequenceClassification
		}
		if has("lm_head.weight") {
			return CausalLM
		}
		for name := range ld.weights {
			if strings.HasPrefix(name, basePrefix[mt]) {
				return CausalLM // saved from a model that wraps the base one, its LM head being tied
			}
		}
	}
	return NoHead
}

// layout allocates every parameter, sized from the config, each slice a block of m.blocks.
func (m *Model) layout(withPooler bool) {
	c := m.cfg
	d, hd := c.HiddenSize, c.HeadDim()
	m.wordEmb = m.newParam(c.VocabSize*d, WeightParam)
	if c.ModelType == checkpoint.Llama { // rotary embeddings, in the attention
		m.rope = newRotary(c)
	} else {
		m.posEmb = m.newParam(c.MaxPositions*d, WeightParam)
	}
	if c.ModelType == checkpoint.BERT {
		m.typeEmb = m.newParam(c.TypeVocabSize*d, WeightParam)
	}
	m.layers = make([]*block, c.NumLayers)
	for l := range m.layers {
		var heads []int
		for h := 0; h < c.NumHeads; h++ {
			if !slices.Contains(c.PrunedHeads[l], h) {
				heads = append(heads, h)
			}
		}
		kv, kvOf := heads, make([]int, len(heads))
		if c.KVGroup() > 1 {
			kv = c.KVHeadsInLayer(l)
		}
		for i, h := range heads {
			kvOf[i] = slices.Index(kv, h/c.KVGroup())
		}
		a, akv := len(heads)*hd, len(kv)*hd
		bias := c.ModelType != checkpoint.Llama // Llama has none anywhere
		inter := c.IntermediateSize
		if m.gated() {
			inter *= 2
		}
		m.layers[l] = &block{
			heads:   heads,
			kv:      kv,
			kvOf:    kvOf,
			qkv:     *m.newLinear(d, a+2*akv, bias),
			attnOut: *m.newLinear(a, d, bias),
			ln1:     *m.newNorm(d),
			ffnIn:   *m.newLinear(d, inter, bias),
			ffnOut:  *m.newLinear(c.IntermediateSize, d, bias),
			ln2:     *m.newNorm(d),
		}
	}
	if c.ModelType == checkpoint.BERT || c.ModelType == checkpoint.DistilBERT {
		m.embLN = m.newLayerNorm(d)
	}
	if c.ModelType == checkpoint.GPT2 || c.ModelType == checkpoint.Llama {
		m.finalLN = m.newNorm(d)
	}
	switch m.head {
	case SequenceClassification:
		switch c.ModelType {
		case checkpoint.BERT:
			m.pooler = m.newLinear(d, d, true)
		case checkpoint.DistilBERT:
			m.preClassifier = m.newLinear(d, d, true)
		}
		m.classifier = m.newLinear(d, c.NumLabels, c.ModelType != checkpoint.GPT2)
	case TokenClassification, QuestionAnswering: // QuestionAnswering has NumLabels 2 (build)
		m.classifier = m.newLinear(d, c.NumLabels, true)
	case PreTraining:
		m.pooler = m.newLinear(d, d, true)
		m.classifier = m.newLinear(d, 2, true)
	case NoHead:
		if withPooler {
			m.pooler = m.newLinear(d, d, true)
		}
	}
	if m.head == MaskedLM || m.head == PreTraining {
		m.mlmTransform = m.newLinear(d, d, true)
		m.mlmLN = m.newLayerNorm(d)
		m.decoderBias = m.newParam(c.VocabSize, BiasParam)
	}
	if m.vocabularyLogits() {
		m.decoder = m.wordEmb
		if !c.TieWordEmbeddings {
			m.decoder = m.newParam(c.VocabSize*d, WeightParam)
		}
	}
}

// vocabularyLogits reports whether the head's logits are over the vocabulary, at every position: a
// language model's, the ones too large to return when only the loss is wanted (Options.LossOnly).
func (m *Model) vocabularyLogits() bool {
	return m.head == MaskedLM || m.head == CausalLM || m.head == PreTraining
}

// newParam allocates n parameters of the given kind as one more of the model's blocks. A measured
// model's are empty, not nil, since a nil bias means a layer without one: walk visits them with their
// shapes, and nothing is allocated.
func (m *Model) newParam(n int, kind ParamKind) []float32 {
	if m.measured {
		return []float32{}
	}
	w := make([]float32, n)
	m.blocks = append(m.blocks, paramBlock{kind, w})
	return w
}

// preLN reports whether the blocks normalise before each sublayer (GPT-2, Llama) rather than after each
// residual sum (BERT, DistilBERT, OpenAI GPT).
func (m *Model) preLN() bool {
	return m.cfg.ModelType == checkpoint.GPT2 || m.cfg.ModelType == checkpoint.Llama
}

// Config returns the model's configuration.
func (m *Model) Config() *checkpoint.Config { return m.cfg }

// Head returns the model's task head.
func (m *Model) Head() Head { return m.head }

// Architecture names the model as Hugging Face's class does (config.json's first architecture, e.g.
// BertForSequenceClassification), or by its head when the config names none.
func (m *Model) Architecture() string {
	if len(m.cfg.Architectures) > 0 {
		return m.cfg.Architectures[0]
	}
	return m.head.String()
}

// Shape returns the model's number of layers and of heads per layer before any pruning: the
// dimensions of a head mask and of its gradient.
func (m *Model) Shape() (layers, heads int) { return m.cfg.NumLayers, m.cfg.NumHeads }

// Heads returns the original numbers of the heads layer l keeps (all of them unless pruned), in the
// order its attentions and contexts list them.
func (m *Model) Heads(l int) []int { return slices.Clone(m.layers[l].heads) }

// KVHeads returns the original numbers of the key and value heads layer l keeps: Heads itself without
// grouped-query attention; with it (Llama), those whose group of query heads is not all pruned. Query
// head h of the unpruned model reads key and value head h / (NumHeads / NumKVHeads).
func (m *Model) KVHeads(l int) []int { return slices.Clone(m.layers[l].kv) }

// NumParams counts the parameters as Hugging Face's num_parameters() does: tied weights once.
func (m *Model) NumParams() int {
	var c counter
	m.walk(&c)
	return c.n
}
