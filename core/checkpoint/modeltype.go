package checkpoint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// modelTypes lists the model types bertology reads.
var modelTypes = []ModelType{BERT, DistilBERT, GPT2, OpenAIGPT, Llama}

// supportedTypes names modelTypes for messages.
const supportedTypes = "bert, distilbert, gpt2, openai-gpt and llama"

// architecturePrefixes names each family's classes: the prefix of BertForSequenceClassification,
// DistilBertModel, GPT2LMHeadModel, OpenAIGPTDoubleHeadsModel and the like.
var architecturePrefixes = []struct {
	prefix string
	t      ModelType
}{{"DistilBert", DistilBERT}, {"Bert", BERT}, {"GPT2", GPT2}, {"OpenAIGPT", OpenAIGPT}, {"Llama", Llama}}

// architectureType returns the model type of a transformers class name, or "" when it is no class of
// the four families. After the family's prefix comes "Model", "LMHeadModel", "DoubleHeadsModel" or
// "For..."; so BertGenerationEncoder (model type bert-generation) is not a BERT class.
func architectureType(class string) ModelType {
	for _, framework := range []string{"TF", "Flax"} {
		if rest, ok := strings.CutPrefix(class, framework); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			class = rest
			break
		}
	}
	for _, p := range architecturePrefixes {
		rest, ok := strings.CutPrefix(class, p.prefix)
		if ok && (rest == "Model" || rest == "LMHeadModel" || rest == "DoubleHeadsModel" || strings.HasPrefix(rest, "For")) {
			return p.t
		}
	}
	return ""
}

// namePatterns are the model types transformers' AutoConfig looks for in a model's name when its config
// has none: bertology's four and those of transformers that contain one of them (roberta contains
// bert), which must win over it. AutoConfig tries the longest first; among equally long ones, its
// mapping's (alphabetical) order. Model types that contain none of the four are left out.
var namePatterns = func() []string {
	p := []string{"albert", "bert", "bert-generation", "camembert", "convbert", "deberta", "deberta-v2",
		"distilbert", "flaubert", "gpt2", "hubert", "ibert", "llama", "llama4", "llama4_text", "megatron-bert", "mllama", "mobilebert", "modernbert",
		"modernbert-decoder", "openai-gpt", "rembert", "roberta", "roberta-prelayernorm", "roc_bert",
		"squeezebert", "visual_bert", "wav2vec2-bert", "xlm-roberta", "xlm-roberta-xl"}
	slices.SortFunc(p, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return p
}()

// modelTypeInName returns the model type name holds, as AutoConfig finds it (namePatterns), or "".
// Like AutoConfig it looks at the whole name, case and all: "bert-base-uncased", a directory
// ".../distilbert-sst2/" and the Hub cache's "models--prajjwal1--bert-tiny/snapshots/..." all name one.
func modelTypeInName(name string) string {
	for _, p := range namePatterns {
		if strings.Contains(name, p) {
			return p
		}
	}
	return ""
}

// modelTypeOf decides the model type of a config that has no model_type (see ParseConfigNamed).
func modelTypeOf(architectures []string, name string) (ModelType, error) {
	for _, class := range architectures {
		if t := architectureType(class); t != "" {
			return t, nil
		}
	}
	found := modelTypeInName(name)
	if found == "" {
		return "", fmt.Errorf("config.json: no model_type, and neither architectures %q nor the name %q says which "+
			"(bertology reads %s): add \"model_type\" to config.json", architectures, name, supportedTypes)
	}
	if t := ModelType(found); slices.Contains(modelTypes, t) {
		return t, nil
	}
	return "", fmt.Errorf("config.json: no model_type, and the name %q says %q, which is not supported "+
		"(bertology reads %s)", name, found, supportedTypes)
}
