package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// ModelType names the four model families bertology understands, spelled as Hugging Face's model_type.
type ModelType string

const (
	BERT       ModelType = "bert"
	DistilBERT ModelType = "distilbert"
	GPT2       ModelType = "gpt2"
	OpenAIGPT  ModelType = "openai-gpt"
	Llama      ModelType = "llama"
)

// Config is a model's config.json, with each family's own key names mapped onto one set of fields and
// Hugging Face's defaults filled in for keys the file leaves out.
type Config struct {
	ModelType     ModelType
	Architectures []string // e.g. ["BertForSequenceClassification"]; decides the head

	VocabSize        int
	HiddenSize       int
	NumLayers        int
	NumHeads         int
	IntermediateSize int
	MaxPositions     int
	TypeVocabSize    int // BERT token types; 0 elsewhere
	LayerNormEps     float64
	Activation       string // "gelu" (erf), "gelu_new" (tanh), "relu", ...
	NumLabels        int
	ProblemType      string // "", "regression", "single_label_classification"
	PadTokenID       int
	// SinusoidalPositions is DistilBERT's sinusoidal_pos_embds (the table is still stored in the weights).
	SinusoidalPositions bool
	// ScaleAttnWeights is GPT-2's scale_attn_weights (divide scores by sqrt(head_dim)).
	ScaleAttnWeights bool
	// ScaleAttnByInverseLayerIdx is GPT-2's scale_attn_by_inverse_layer_idx.
	ScaleAttnByInverseLayerIdx bool
	TieWordEmbeddings          bool
	// PrunedHeads maps a layer to the heads (original numbering) already removed from its weights.
	PrunedHeads map[int][]int
	ID2Label    map[int]string

	// Raw keeps every key of the file as read, so that an exported config.json loses nothing.
	Raw map[string]json.RawMessage
}

// HeadDim is the per-head width, HiddenSize / NumHeads.
func (c *Config) HeadDim() int { return c.HiddenSize / c.NumHeads }

// HeadsInLayer is the number of heads left in layer l after pruning.
func (c *Config) HeadsInLayer(l int) int { return c.NumHeads - len(c.PrunedHeads[l]) }

// ParseConfig reads a config.json. It fails on unknown model types, on missing or impossible sizes,
// and on malformed pruned_heads, naming the key at fault. A config without model_type gets it from its
// architectures, as ParseConfigNamed says.
func ParseConfig(data []byte) (*Config, error) { return ParseConfigNamed(data, "") }

// ParseConfigNamed is ParseConfig for a config.json opened by name: the model's directory, or its Hub
// id. A config without model_type (Google's converted BERT configs have none, and so do many of 2019)
// gets it as transformers would: from the first class of architectures that is one of the four
// families' (BertFor*, DistilBert*, GPT2*, OpenAIGPT*, their TF and Flax classes too), else from the
// name, by the model type it contains, as transformers' AutoConfig matches it (modelTypeInName).
func ParseConfigNamed(data []byte, name string) (*Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	r := configReader{raw: raw}
	c := &Config{Raw: raw}
	mt := r.str("model_type", "")
	c.Architectures = r.strs("architectures")
	if r.err != nil {
		return nil, r.err
	}
	if mt == "" {
		t, err := modelTypeOf(c.Architectures, name)
		if err != nil {
			return nil, err
		}
		mt = string(t)
	}
	c.ModelType = ModelType(mt)
	c.TieWordEmbeddings = r.boolean("tie_word_embeddings", true)
	c.PadTokenID = r.integer("pad_token_id", 0)
	switch c.ModelType {
	case BERT:
		c.VocabSize = r.integer("vocab_size", 30522)
		c.HiddenSize = r.integer("hidden_size", 768)
		c.NumLayers = r.integer("num_hidden_layers", 12)
		c.NumHeads = r.integer("num_attention_heads", 12)
		c.IntermediateSize = r.integer("intermediate_size", 3072)
		c.MaxPositions = r.integer("max_position_embeddings", 512)
		c.TypeVocabSize = r.integer("type_vocab_size", 2)
		c.LayerNormEps = r.float("layer_norm_eps", 1e-12)
		c.Activation = r.str("hidden_act", "gelu")
		if pe := r.str("position_embedding_type", "absolute"); pe != "absolute" {
			r.fail("position_embedding_type", fmt.Errorf("%q is not supported (only \"absolute\")", pe))
		}
	case DistilBERT:
		c.VocabSize = r.integer("vocab_size", 30522)
		c.HiddenSize = r.integer("dim", 768)
		c.NumLayers = r.integer("n_layers", 6)
		c.NumHeads = r.integer("n_heads", 12)
		c.IntermediateSize = r.integer("hidden_dim", 3072)
		c.MaxPositions = r.integer("max_position_embeddings", 512)
		c.LayerNormEps = 1e-12 // DistilBERT hard-codes it
		c.Activation = r.str("activation", "gelu")
		c.SinusoidalPositions = r.boolean("sinusoidal_pos_embds", false)
	case GPT2:
		c.VocabSize = r.integer("vocab_size", 50257)
		c.HiddenSize = r.integer("n_embd", 768)
		c.NumLayers = r.integer("n_layer", 12)
		c.NumHeads = r.integer("n_head", 12)
		c.IntermediateSize = r.integer("n_inner", 4*c.HiddenSize) // null means 4 * n_embd
		c.MaxPositions = r.integer("n_positions", 1024)
		c.LayerNormEps = r.float("layer_norm_epsilon", 1e-5)
		c.Activation = r.str("activation_function", "gelu_new")
		c.ScaleAttnWeights = r.boolean("scale_attn_weights", true)
		c.ScaleAttnByInverseLayerIdx = r.boolean("scale_attn_by_inverse_layer_idx", false)
		if r.boolean("reorder_and_upcast_attn", false) {
			r.fail("reorder_and_upcast_attn", fmt.Errorf("true is not supported"))
		}
	case OpenAIGPT:
		c.VocabSize = r.integer("vocab_size", 40478)
		c.HiddenSize = r.integer("n_embd", 768)
		c.NumLayers = r.integer("n_layer", 12)
		c.NumHeads = r.integer("n_head", 12)
		c.IntermediateSize = 4 * c.HiddenSize
		c.MaxPositions = r.integer("n_positions", 512)
		c.LayerNormEps = r.float("layer_norm_epsilon", 1e-5)
		c.Activation = r.str("afn", "gelu")
	case Llama: // LlamaConfig's keys and defaults
		c.VocabSize = r.integer("vocab_size", 32000)
		c.HiddenSize = r.integer("hidden_size", 4096)
		c.NumLayers = r.integer("num_hidden_layers", 32)
		c.NumHeads = r.integer("num_attention_heads", 32)
		c.IntermediateSize = r.integer("intermediate_size", 11008)
		c.MaxPositions = r.integer("max_position_embeddings", 2048)
		c.LayerNormEps = r.float("rms_norm_eps", 1e-6)
		c.Activation = r.str("hidden_act", "silu")
	default:
		return nil, fmt.Errorf("config.json: model_type %q is not supported (bertology reads bert, distilbert, gpt2 and openai-gpt)", mt)
	}
	c.ProblemType = r.str("problem_type", "")
	c.ID2Label = r.labels()
	c.NumLabels = r.integer("num_labels", 0)
	if c.NumLabels == 0 {
		c.NumLabels = len(c.ID2Label)
	}
	if c.NumLabels == 0 {
		c.NumLabels = 2 // PretrainedConfig's default
	}
	c.PrunedHeads = r.prunedHeads()
	if r.err != nil {
		return nil, r.err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// JSON encodes the config as Hugging Face's save_pretrained writes config.json (keys sorted, two-space
// indent, a final newline), from Raw so that no key is lost, with model_type from ModelType and
// pruned_heads rewritten from PrunedHeads as {"0": [1], "2": [0, 3]} (layer numbers as strings; the key
// is left out when nothing is pruned).
func (c *Config) JSON() ([]byte, error) {
	raw := make(map[string]json.RawMessage, len(c.Raw)+2)
	maps.Copy(raw, c.Raw)
	if c.ModelType != "" { // a config that had none gets the one it was read as, as save_pretrained writes it
		raw["model_type"], _ = json.Marshal(c.ModelType) // a string always encodes
	}
	delete(raw, "pruned_heads")
	if len(c.PrunedHeads) > 0 {
		heads := make(map[string][]int, len(c.PrunedHeads))
		for l, hs := range c.PrunedHeads {
			sorted := append([]int{}, hs...)
			slices.Sort(sorted)
			heads[strconv.Itoa(l)] = sorted
		}
		raw["pruned_heads"], _ = json.Marshal(heads) // a map of int slices always encodes
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // Python's json.dumps does not escape <, > and &
	enc.SetIndent("", "  ")
	if err := enc.Encode(raw); err != nil { // Encode ends with the newline save_pretrained writes
		return nil, fmt.Errorf("config.json: %w", err)
	}
	return b.Bytes(), nil
}

// The bounds on config.json's sizes, far above those of any checkpoint bertology could run (the largest
// BERTs and GPT-2s have hidden sizes of 1,600, 48 layers, vocabularies of 250,000 and 2,048 positions),
// so that an absurd config is refused with a message before anything is allocated for it, rather than
// ending the program when a model of its shape is laid out. Each weight matrix and the layers' weights
// together are bounded too, since sizes that are each plausible can still multiply to an absurd model.
const (
	maxVocabSize        = 1 << 22
	maxHiddenSize       = 1 << 16
	maxLayers           = 1 << 10
	maxHeads            = 1 << 10
	maxIntermediateSize = 1 << 18
	maxPositions        = 1 << 20
	maxTypeVocabSize    = 1 << 16
	maxLabels           = 1 << 20
	maxMatrixWeights    = 1 << 32 // one weight matrix: 16 GiB as float32
	maxLayerWeights     = 1 << 36 // every layer's weights together: a model of 68 billion parameters
)

// Validate checks the config's sizes: each positive (the token type count may be 0) and within
// bertology's bounds, the hidden size a multiple of the head count, the weight matrices they imply within
// bounds too, and pruned_heads naming layers and heads the model has. ParseConfig calls it; a model built
// from a Config made in code calls it again.
func (c *Config) Validate() error {
	sizes := []struct {
		name           string
		v, least, most int
	}{
		{"vocab size", c.VocabSize, 1, maxVocabSize}, {"hidden size", c.HiddenSize, 1, maxHiddenSize},
		{"layer count", c.NumLayers, 1, maxLayers}, {"head count", c.NumHeads, 1, maxHeads},
		{"intermediate size", c.IntermediateSize, 1, maxIntermediateSize}, {"max positions", c.MaxPositions, 1, maxPositions},
		{"token type count", c.TypeVocabSize, 0, maxTypeVocabSize}, {"label count", c.NumLabels, 1, maxLabels},
	}
	for _, s := range sizes {
		switch {
		case s.v < s.least && s.least == 1:
			return fmt.Errorf("config.json: %s is %d, must be positive", s.name, s.v)
		case s.v < s.least:
			return fmt.Errorf("config.json: %s is %d, must not be negative", s.name, s.v)
		case s.v > s.most:
			return fmt.Errorf("config.json: %s is %d, over bertology's bound of %d", s.name, s.v, s.most)
		}
	}
	if c.HiddenSize%c.NumHeads != 0 {
		return fmt.Errorf("config.json: hidden size %d is not a multiple of the head count %d", c.HiddenSize, c.NumHeads)
	}
	// Each size is bounded by 2^22 at most, so none of these products overflows an int64.
	d := int64(c.HiddenSize)
	matrices := []struct {
		name string
		rows int
	}{
		{"vocab size", c.VocabSize}, {"max positions", c.MaxPositions}, {"intermediate size", c.IntermediateSize},
		{"label count", c.NumLabels},
	}
	for _, m := range matrices {
		if n := int64(m.rows) * d; n > maxMatrixWeights {
			return fmt.Errorf("config.json: %s %d × hidden size %d is %d weights in one matrix, over bertology's bound of %d",
				m.name, m.rows, c.HiddenSize, n, int64(maxMatrixWeights))
		}
	}
	// A layer's attention has 4 D×D matrices (query, key, value, output), its feed-forward network 2 D×I.
	if n := int64(c.NumLayers) * (4*d*d + 2*d*int64(c.IntermediateSize)); n > maxLayerWeights {
		return fmt.Errorf("config.json: %d layers of hidden size %d and intermediate size %d are %d weights, over bertology's bound of %d",
			c.NumLayers, c.HiddenSize, c.IntermediateSize, n, int64(maxLayerWeights))
	}
	for l, heads := range c.PrunedHeads {
		if l < 0 || l >= c.NumLayers {
			return fmt.Errorf("config.json: pruned_heads names layer %d, the model has %d layers", l, c.NumLayers)
		}
		seen := map[int]bool{}
		for _, h := range heads {
			if h < 0 || h >= c.NumHeads || seen[h] {
				return fmt.Errorf("config.json: pruned_heads[%d] has head %d (out of range or repeated; %d heads)", l, h, c.NumHeads)
			}
			seen[h] = true
		}
	}
	return nil
}

// configReader reads typed keys from the raw map, remembering the first error with its key.
type configReader struct {
	raw map[string]json.RawMessage
	err error
}

func (r *configReader) fail(key string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("config.json: key %q: %w", key, err)
	}
}

// get decodes key into v and reports whether it was present and not null.
func (r *configReader) get(key string, v any) bool {
	msg, ok := r.raw[key]
	if !ok || string(msg) == "null" {
		return false
	}
	if err := json.Unmarshal(msg, v); err != nil {
		r.fail(key, err)
		return false
	}
	return true
}

// orDefault decodes key as a T, or returns def when the key is absent or null (or bad, with the error
// remembered).
func orDefault[T any](r *configReader, key string, def T) T {
	v := def
	if !r.get(key, &v) {
		return def
	}
	return v
}

func (r *configReader) integer(key string, def int) int {
	f := orDefault(r, key, float64(def))
	if f != float64(int(f)) {
		r.fail(key, fmt.Errorf("%v is not a whole number", f))
	}
	return int(f)
}

func (r *configReader) float(key string, def float64) float64 { return orDefault(r, key, def) }
func (r *configReader) str(key, def string) string            { return orDefault(r, key, def) }
func (r *configReader) boolean(key string, def bool) bool     { return orDefault(r, key, def) }

func (r *configReader) strs(key string) []string {
	var s []string
	r.get(key, &s)
	return s
}

// numbered reads the object at key, whose keys are numbers (what says of what), as a map by number.
// present is false when the key is absent or null, or does not decode; a key that is not a number, or
// a number given twice, fails the reader and returns nil.
func numbered[V any](r *configReader, key, what string) (m map[int]V, present bool) {
	var raw map[string]V
	if !r.get(key, &raw) {
		return nil, false
	}
	m = make(map[int]V, len(raw))
	for k, v := range raw {
		i, err := strconv.Atoi(k)
		if err != nil {
			r.fail(key, fmt.Errorf("%s %q is not a number", what, k))
			return nil, true
		}
		if _, dup := m[i]; dup { // "1" and "01"
			r.fail(key, fmt.Errorf("%s %d is given twice", what, i))
			return nil, true
		}
		m[i] = v
	}
	return m, true
}

func (r *configReader) labels() map[int]string {
	m, _ := numbered[string](r, "id2label", "label id")
	return m
}

func (r *configReader) prunedHeads() map[int][]int {
	m, present := numbered[[]int](r, "pruned_heads", "layer")
	if !present {
		return map[int][]int{}
	}
	for l, heads := range m {
		hs := append([]int(nil), heads...) // a sorted copy, nil for []
		slices.Sort(hs)
		m[l] = hs
	}
	return m
}

// LabelNames names the NumLabels classes of a classifier by config.json's id2label, LABEL_i for a class
// it does not name, as transformers' PretrainedConfig does for a config without id2label.
func (c *Config) LabelNames() []string {
	names := make([]string, c.NumLabels)
	for i := range names {
		if name, ok := c.ID2Label[i]; ok {
			names[i] = name
		} else {
			names[i] = "LABEL_" + strconv.Itoa(i)
		}
	}
	return names
}
