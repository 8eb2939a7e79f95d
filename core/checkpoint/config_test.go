package checkpoint

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestParseConfigGolden checks the unified values of every golden config.json against the sizes the
// golden README gives (3 layers, hidden 32, 4 heads) and each family's own keys and defaults.
func TestParseConfigGolden(t *testing.T) {
	tests := []struct {
		arch          string
		modelType     ModelType
		architecture  string
		vocab         int
		intermediate  int
		typeVocab     int
		eps           float64
		activation    string
		scaleAttn     bool
		prunedProblem string // problem_type in pruned_model/config.json
	}{
		{"bert", BERT, "BertForSequenceClassification", 147, 64, 2, 1e-12, "gelu", false, "single_label_classification"},
		{"bert-mlm", BERT, "BertForMaskedLM", 147, 64, 2, 1e-12, "gelu", false, ""},
		{"distilbert", DistilBERT, "DistilBertForSequenceClassification", 147, 64, 0, 1e-12, "gelu", false, "single_label_classification"},
		// gpt2: n_inner is null, so the MLP is 4 * n_embd wide.
		{"gpt2", GPT2, "GPT2LMHeadModel", 337, 128, 0, 1e-5, "gelu_new", true, ""},
		{"openai-gpt", OpenAIGPT, "OpenAIGPTLMHeadModel", 155, 128, 0, 1e-5, "gelu", false, ""},
	}
	for _, tt := range tests {
		for _, dir := range goldenDirs {
			c, err := ParseConfig(readGolden(t, tt.arch, dir, "config.json"))
			if err != nil {
				t.Fatalf("%s/%s: %v", tt.arch, dir, err)
			}
			got := []any{c.ModelType, c.Architectures, c.VocabSize, c.HiddenSize, c.NumLayers, c.NumHeads, c.HeadDim(),
				c.IntermediateSize, c.MaxPositions, c.TypeVocabSize, c.LayerNormEps, c.Activation, c.SinusoidalPositions,
				c.ScaleAttnWeights, c.ScaleAttnByInverseLayerIdx, c.PadTokenID, c.TieWordEmbeddings, c.NumLabels}
			want := []any{tt.modelType, []string{tt.architecture}, tt.vocab, 32, 3, 4, 8,
				tt.intermediate, 64, tt.typeVocab, tt.eps, tt.activation, false,
				tt.scaleAttn, false, 0, true, 2}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s/%s:\n got %v\nwant %v", tt.arch, dir, got, want)
			}
			wantPruned, wantHeads, wantProblem := map[int][]int{}, []int{4, 4, 4}, ""
			if dir == "pruned_model" {
				wantPruned, wantHeads, wantProblem = map[int][]int{0: {1}, 2: {0, 3}}, []int{3, 4, 2}, tt.prunedProblem
			}
			if !reflect.DeepEqual(c.PrunedHeads, wantPruned) {
				t.Errorf("%s/%s: pruned heads %v, want %v", tt.arch, dir, c.PrunedHeads, wantPruned)
			}
			for l, h := range wantHeads {
				if c.HeadsInLayer(l) != h {
					t.Errorf("%s/%s: layer %d keeps %d heads, want %d", tt.arch, dir, l, c.HeadsInLayer(l), h)
				}
			}
			if c.ProblemType != wantProblem {
				t.Errorf("%s/%s: problem type %q, want %q", tt.arch, dir, c.ProblemType, wantProblem)
			}
		}
	}
}

// TestConfigJSON checks that JSON writes every golden config.json exactly as transformers did, and that
// pruning a config writes pruned_heads the way transformers does and parses back.
func TestConfigJSON(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			file := readGolden(t, arch, dir, "config.json")
			c, err := ParseConfig(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, file) {
				t.Errorf("%s/%s: JSON() =\n%s\nwant\n%s", arch, dir, got, file)
			}
		}
	}
	c, err := ParseConfig(readGolden(t, "gpt2", "model", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	c.PrunedHeads = map[int][]int{2: {3, 0}, 0: {1}}
	got, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `  "pruned_heads": {
    "0": [
      1
    ],
    "2": [
      0,
      3
    ]
  },
`
	if !strings.Contains(string(got), want) {
		t.Errorf("pruned config:\n%s\nwant it to contain\n%s", got, want)
	}
	back, err := ParseConfig(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.PrunedHeads, map[int][]int{0: {1}, 2: {0, 3}}) {
		t.Errorf("pruned heads %v after a round trip", back.PrunedHeads)
	}
	if _, ok := c.Raw["pruned_heads"]; ok {
		t.Errorf("JSON changed Raw")
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string
	}{
		{"not json", `{"model_type": `, []string{"config.json"}},
		{"not an object", `[1]`, []string{"config.json"}},
		{"no model_type", `{"hidden_size": 32}`, []string{"no model_type", "bert, distilbert, gpt2, openai-gpt and llama"}},
		{"unknown model_type", `{"model_type": "roberta"}`, []string{`"roberta"`, "not supported"}},
		{"model_type not a string", `{"model_type": 5}`, []string{`"model_type"`}},
		{"size not a number", `{"model_type": "bert", "hidden_size": "32"}`, []string{`"hidden_size"`}},
		{"size not whole", `{"model_type": "bert", "hidden_size": 32.5}`, []string{`"hidden_size"`, "32.5", "whole"}},
		{"zero layers", `{"model_type": "gpt2", "n_layer": 0}`, []string{"layer count is 0"}},
		{"hidden size 1e9", `{"model_type": "bert", "hidden_size": 1e9}`, []string{"hidden size is 1000000000", "bound of 65536"}},
		{"vocabulary over the bound", `{"model_type": "gpt2", "vocab_size": 5000000}`, []string{"vocab size is 5000000", "bound of 4194304"}},
		{"layers over the bound", `{"model_type": "distilbert", "n_layers": 2000}`, []string{"layer count is 2000", "bound of 1024"}},
		{"heads over the bound", `{"model_type": "openai-gpt", "n_head": 2048, "n_embd": 4096}`, []string{"head count is 2048", "bound of 1024"}},
		{"intermediate over the bound", `{"model_type": "bert", "intermediate_size": 1000000}`, []string{"intermediate size is 1000000", "bound of 262144"}},
		{"positions over the bound", `{"model_type": "gpt2", "n_positions": 2000000}`, []string{"max positions is 2000000", "bound of 1048576"}},
		{"token types over the bound", `{"model_type": "bert", "type_vocab_size": 100000}`, []string{"token type count is 100000", "bound of 65536"}},
		{"negative token types", `{"model_type": "bert", "type_vocab_size": -1}`, []string{"token type count is -1", "must not be negative"}},
		{"negative labels", `{"model_type": "bert", "num_labels": -3}`, []string{"label count is -3", "must be positive"}},
		{"embedding matrix over the bound", `{"model_type": "bert", "vocab_size": 4000000, "hidden_size": 4096, "num_attention_heads": 16}`,
			[]string{"vocab size 4000000 × hidden size 4096", "16384000000 weights in one matrix", "bound of 4294967296"}},
		{"layers' weights over the bound", `{"model_type": "gpt2", "n_layer": 1000, "n_embd": 16384, "n_head": 16, "n_inner": 65536}`,
			[]string{"1000 layers of hidden size 16384 and intermediate size 65536", "3221225472000 weights", "bound of 68719476736"}},
		{"heads do not divide", `{"model_type": "distilbert", "dim": 30, "n_heads": 4}`, []string{"hidden size 30", "head count 4"}},
		{"relative positions", `{"model_type": "bert", "position_embedding_type": "relative_key"}`, []string{`"position_embedding_type"`, `"relative_key"`}},
		{"reorder and upcast", `{"model_type": "gpt2", "reorder_and_upcast_attn": true}`, []string{`"reorder_and_upcast_attn"`}},
		{"pruned layer not a number", `{"model_type": "bert", "pruned_heads": {"x": [1]}}`, []string{`"pruned_heads"`, `"x"`}},
		{"pruned layer out of range", `{"model_type": "bert", "num_hidden_layers": 3, "pruned_heads": {"3": [1]}}`, []string{"pruned_heads", "layer 3", "3 layers"}},
		{"pruned head out of range", `{"model_type": "bert", "num_attention_heads": 4, "hidden_size": 32, "pruned_heads": {"0": [4]}}`, []string{"pruned_heads[0]", "head 4"}},
		{"pruned head repeated", `{"model_type": "bert", "pruned_heads": {"0": [1, 1]}}`, []string{"pruned_heads[0]", "head 1"}},
		{"pruned layer twice", `{"model_type": "bert", "pruned_heads": {"1": [1], "01": [2]}}`, []string{"pruned_heads", "layer 1 is given twice"}},
		{"pruned heads not a map", `{"model_type": "bert", "pruned_heads": [1]}`, []string{`"pruned_heads"`}},
		{"label id not a number", `{"model_type": "bert", "id2label": {"a": "x"}}`, []string{`"id2label"`, `"a"`}},
		{"label id twice", `{"model_type": "bert", "id2label": {"1": "x", "01": "y"}}`, []string{`"id2label"`, "label id 1 is given twice"}},
		{"key and value heads do not divide", `{"model_type": "llama", "num_attention_heads": 8, "hidden_size": 64, "num_key_value_heads": 3}`,
			[]string{"num_key_value_heads 3", "head count 8"}},
		{"odd head size", `{"model_type": "llama", "num_attention_heads": 4, "hidden_size": 20}`, []string{"head size 5 is odd"}},
		{"rope scaling", `{"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2}}`, []string{`"rope_scaling"`, "not supported"}},
		{"tensor parallel", `{"model_type": "llama", "pretraining_tp": 2}`, []string{`"pretraining_tp"`, "2 is not supported"}},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.json))
		assertErrorMentions(t, tt.name, err, append(tt.want, "config.json")...)
	}
}

// TestParseConfigDefaults checks Hugging Face's defaults for keys a config leaves out.
func TestParseConfigDefaults(t *testing.T) {
	tests := []struct {
		json                             string
		hidden, layers, heads, inter, np int
		eps                              float64
		act                              string
	}{
		{`{"model_type": "bert"}`, 768, 12, 12, 3072, 512, 1e-12, "gelu"},
		{`{"model_type": "distilbert"}`, 768, 6, 12, 3072, 512, 1e-12, "gelu"},
		{`{"model_type": "gpt2"}`, 768, 12, 12, 3072, 1024, 1e-5, "gelu_new"},
		{`{"model_type": "gpt2", "n_embd": 64, "n_head": 2}`, 64, 12, 2, 256, 1024, 1e-5, "gelu_new"},
		{`{"model_type": "openai-gpt"}`, 768, 12, 12, 3072, 512, 1e-5, "gelu"},
	}
	for _, tt := range tests {
		c, err := ParseConfig([]byte(tt.json))
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		got := []any{c.HiddenSize, c.NumLayers, c.NumHeads, c.IntermediateSize, c.MaxPositions, c.LayerNormEps, c.Activation, c.NumLabels}
		want := []any{tt.hidden, tt.layers, tt.heads, tt.inter, tt.np, tt.eps, tt.act, 2}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", tt.json, got, want)
		}
		if c.NumKVHeads != c.NumHeads || c.KVGroup() != 1 {
			t.Errorf("%s: %d key and value heads (groups of %d), want one per head", tt.json, c.NumKVHeads, c.KVGroup())
		}
	}
}

// TestParseConfigLlama checks LlamaConfig's defaults (Llama-2-7b's shape, no grouping, rope_theta 10000,
// untied embeddings) and grouped-query attention: which key and value heads a pruned layer keeps.
func TestParseConfigLlama(t *testing.T) {
	c, err := ParseConfig([]byte(`{"model_type": "llama"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.VocabSize, c.HiddenSize, c.NumLayers, c.NumHeads, c.NumKVHeads, c.IntermediateSize, c.MaxPositions,
		c.LayerNormEps, c.RopeTheta, c.Activation, c.TieWordEmbeddings}
	want := []any{32000, 4096, 32, 32, 32, 11008, 2048, 1e-6, 10000.0, "silu", false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults %v, want %v", got, want)
	}
	c, err = ParseConfig([]byte(`{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 8,
		"num_key_value_heads": 4, "num_hidden_layers": 2, "rope_theta": 500000, "rms_norm_eps": 1e-5,
		"tie_word_embeddings": true, "pruned_heads": {"1": [0, 1, 5]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.KVGroup() != 2 || c.RopeTheta != 500000 || c.LayerNormEps != 1e-5 || !c.TieWordEmbeddings {
		t.Errorf("groups of %d, rope_theta %v, eps %v, tied %v", c.KVGroup(), c.RopeTheta, c.LayerNormEps, c.TieWordEmbeddings)
	}
	for l, want := range [][]int{{0, 1, 2, 3}, {1, 2, 3}} { // layer 1 loses group 0 (heads 0, 1), keeps 2 (head 4 of 4, 5)
		if got := c.KVHeadsInLayer(l); !reflect.DeepEqual(got, want) {
			t.Errorf("layer %d keeps key and value heads %v, want %v", l, got, want)
		}
	}
}

// TestLabelNames: id2label names the classes, LABEL_i the ones it leaves out, as transformers does.
func TestLabelNames(t *testing.T) {
	for _, tc := range []struct {
		json string
		want []string
	}{
		{`{"model_type": "bert"}`, []string{"LABEL_0", "LABEL_1"}},
		{`{"model_type": "bert", "num_labels": 3}`, []string{"LABEL_0", "LABEL_1", "LABEL_2"}},
		{`{"model_type": "bert", "id2label": {"0": "negative", "1": "positive"}}`, []string{"negative", "positive"}},
		{`{"model_type": "distilbert", "id2label": {"2": "B-PER", "0": "O", "1": "B-LOC"}}`, []string{"O", "B-LOC", "B-PER"}},
		{`{"model_type": "bert", "num_labels": 3, "id2label": {"1": "yes"}}`, []string{"LABEL_0", "yes", "LABEL_2"}},
	} {
		c, err := ParseConfig([]byte(tc.json))
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if got := c.LabelNames(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: LabelNames %q, want %q", tc.json, got, tc.want)
		}
	}
}

// TestParseConfigWithoutModelType decides the model type of configs without one as transformers does:
// by the architectures' class names, else by the model type the name holds, the longest first.
func TestParseConfigWithoutModelType(t *testing.T) {
	// Google's bert-base-uncased config.json, as converted in 2018: no model_type, no architectures.
	const google = `{"attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
		"hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "max_position_embeddings": 512,
		"num_attention_heads": 12, "num_hidden_layers": 12, "type_vocab_size": 2, "vocab_size": 30522}`
	arch := func(class string) string { return `{"architectures": ["` + class + `"]}` }
	tests := []struct {
		config, name string
		want         ModelType
	}{
		{arch("BertForSequenceClassification"), "", BERT},
		{arch("BertLMHeadModel"), "", BERT},
		{arch("BertModel"), "gpt2", BERT}, // architectures come first
		{arch("TFBertForPreTraining"), "", BERT},
		{arch("DistilBertForMaskedLM"), "", DistilBERT},
		{arch("FlaxDistilBertModel"), "", DistilBERT},
		{arch("GPT2LMHeadModel"), "", GPT2},
		{arch("GPT2DoubleHeadsModel"), "", GPT2},
		{arch("OpenAIGPTLMHeadModel"), "", OpenAIGPT},
		{arch("LlamaForCausalLM"), "", Llama},
		{`{"architectures": ["MyModel", "GPT2Model"]}`, "", GPT2},
		{arch("RobertaForMaskedLM"), "bert-base-cased", BERT}, // no family's class: the name decides
		{arch("BertGenerationEncoder"), "openai-gpt", OpenAIGPT},
		{google, "bert-base-uncased", BERT},
		{google, "/models/google/bert_uncased_L-2_H-128_A-2", BERT},
		{google, "/root/.cache/huggingface/hub/models--prajjwal1--bert-tiny/snapshots/6f75de8b60a9f8a2fdf7b69cbd86d9e64bcb3837", BERT},
		{`{"model_type": null}`, "distilbert-base-uncased-finetuned-sst-2-english", DistilBERT},
		{`{"model_type": ""}`, "distilgpt2", GPT2},
		{`{}`, "openai-gpt", OpenAIGPT},
		{`{}`, "/data/gpt2-runs/bert-tiny", BERT}, // equally long: AutoConfig's alphabetical order
		{`{}`, "./bertweet-base", BERT},
		{`{}`, "karpathy/tinyllamas-stories260K", Llama},
	}
	for _, tt := range tests {
		c, err := ParseConfigNamed([]byte(tt.config), tt.name)
		if err != nil {
			t.Errorf("%s named %q: %v", tt.config, tt.name, err)
			continue
		}
		if c.ModelType != tt.want {
			t.Errorf("%s named %q: model type %q, want %q", tt.config, tt.name, c.ModelType, tt.want)
		}
	}
	c, err := ParseConfigNamed([]byte(google), "bert-base-uncased")
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{c.VocabSize, c.HiddenSize, c.NumLayers, c.NumHeads, c.IntermediateSize, c.TypeVocabSize}; !slices.Equal(got, []int{30522, 768, 12, 12, 3072, 2}) {
		t.Errorf("google's config reads as sizes %v", got)
	}
	// What save_pretrained would write has the model type it was read as.
	out, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig(out)
	if err != nil || back.ModelType != BERT || !bytes.Contains(out, []byte(`"model_type": "bert"`)) {
		t.Errorf("JSON of a config without model_type: %v, model type %v:\n%s", err, back.ModelType, out)
	}

	errors := []struct {
		config, name string
		want         []string
	}{
		{google, "", []string{"no model_type", `name ""`, "add \"model_type\""}},
		{google, "/models/uncased_L-12_H-768_A-12", []string{"no model_type", "uncased_L-12_H-768_A-12", "bert, distilbert, gpt2, openai-gpt and llama"}},
		{arch("BertGenerationEncoder"), "", []string{"BertGenerationEncoder"}},
		{google, "BERT-Base", []string{"BERT-Base"}}, // AutoConfig matches case and all
		{google, "roberta-base", []string{`"roberta"`, "not supported"}},
		{google, "xlm-roberta-large", []string{`"xlm-roberta"`, "not supported"}},
		{google, "albert-base-v2", []string{`"albert"`, "not supported"}},
		{google, "google/mobilebert-uncased", []string{`"mobilebert"`, "not supported"}},
		{`{"architectures": "BertModel"}`, "bert", []string{`"architectures"`}},
	}
	for _, tt := range errors {
		_, err := ParseConfigNamed([]byte(tt.config), tt.name)
		assertErrorMentions(t, tt.config+" named "+tt.name, err, append(tt.want, "config.json")...)
	}
}
