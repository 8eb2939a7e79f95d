package tokenizer

import (
	"encoding/json"
	"fmt"
)

// settings is what bertology honours of a model directory's tokenizer_config.json and
// special_tokens_map.json, with the defaults of the model type's Hugging Face tokenizer class.
type settings struct {
	lower          bool  // do_lower_case (BERT; OpenAI GPT always lower-cases)
	stripAccents   *bool // strip_accents; nil follows lower
	chineseChars   bool  // tokenize_chinese_chars
	neverSplit     []string
	addPrefixSpace bool // GPT-2's add_prefix_space
	addBOS         bool // GPT-2's and Llama's add_bos_token
	addEOS         bool // Llama's add_eos_token
	legacy         bool // Llama's legacy
	cleanUp        bool // clean_up_tokenization_spaces
	typeIDs        bool // the class returns token_type_ids: BertTokenizer does, DistilBertTokenizer does not
	// tokens holds the special tokens by attribute name ("unk_token", ...); "" means none.
	tokens     map[string]string
	additional []string // additional_special_tokens
}

// specialAttributes lists the special-token attributes in the order Hugging Face registers them.
var specialAttributes = []string{"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}

// defaultSettings returns the settings of the Hugging Face tokenizer class for modelType.
func defaultSettings(modelType string) (settings, error) {
	s := settings{cleanUp: true, tokens: map[string]string{}}
	switch modelType {
	case "bert", "distilbert":
		s.lower, s.chineseChars, s.typeIDs = true, true, modelType == "bert"
		s.tokens["unk_token"], s.tokens["sep_token"], s.tokens["pad_token"] = "[UNK]", "[SEP]", "[PAD]"
		s.tokens["cls_token"], s.tokens["mask_token"] = "[CLS]", "[MASK]"
	case "gpt2":
		s.tokens["bos_token"], s.tokens["eos_token"], s.tokens["unk_token"] = "<|endoftext|>", "<|endoftext|>", "<|endoftext|>"
	case "openai-gpt":
		s.lower, s.chineseChars = true, true
		s.tokens["unk_token"] = "<unk>"
	case "llama":
		s.tokens["bos_token"], s.tokens["eos_token"], s.tokens["unk_token"] = "<s>", "</s>", "<unk>"
		s.addBOS, s.cleanUp, s.legacy = true, false, true
	default:
		return s, fmt.Errorf("tokenizer: unknown model type %q (want bert, distilbert, gpt2, openai-gpt or llama)", modelType)
	}
	return s, nil
}

// tokenConfig is the part of tokenizer_config.json and special_tokens_map.json read here. Pointers
// tell a key that is absent from one set to a default.
type tokenConfig struct {
	DoLowerCase          *bool        `json:"do_lower_case"`
	StripAccents         *bool        `json:"strip_accents"`
	TokenizeChineseChars *bool        `json:"tokenize_chinese_chars"`
	NeverSplit           []string     `json:"never_split"`
	AddPrefixSpace       *bool        `json:"add_prefix_space"`
	AddBOSToken          *bool        `json:"add_bos_token"`
	AddEOSToken          *bool        `json:"add_eos_token"`
	Legacy               *bool        `json:"legacy"`
	CleanUp              *bool        `json:"clean_up_tokenization_spaces"`
	Additional           []addedToken `json:"additional_special_tokens"`
}

// addedToken is a special token as the files spell it: a string, or an AddedToken object with the
// string in "content".
type addedToken string

func (t *addedToken) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = addedToken(s)
		return nil
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if err := json.Unmarshal(b, &obj); err != nil || obj.Content == nil {
		return fmt.Errorf("special token %s: want a string or an object with \"content\"", b)
	}
	*t = addedToken(*obj.Content)
	return nil
}

// readSettings returns modelType's defaults overridden by tokenizer_config.json and then by
// special_tokens_map.json (which wins for special tokens, as in Hugging Face's from_pretrained);
// either file may be nil.
func readSettings(modelType string, tokenizerConfig, specialTokensMap []byte) (settings, error) {
	s, err := defaultSettings(modelType)
	if err != nil {
		return s, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"tokenizer_config.json", tokenizerConfig}, {"special_tokens_map.json", specialTokensMap}} {
		if f.data == nil {
			continue
		}
		if err := s.apply(f.data); err != nil {
			return s, fmt.Errorf("tokenizer: %s: %w", f.name, err)
		}
	}
	return s, nil
}

// apply overrides s with the keys present in one configuration file.
func (s *settings) apply(data []byte) error {
	var c tokenConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	setBool(&s.lower, c.DoLowerCase)
	setBool(&s.chineseChars, c.TokenizeChineseChars)
	setBool(&s.addPrefixSpace, c.AddPrefixSpace)
	setBool(&s.addBOS, c.AddBOSToken)
	setBool(&s.addEOS, c.AddEOSToken)
	setBool(&s.legacy, c.Legacy)
	setBool(&s.cleanUp, c.CleanUp)
	if _, ok := raw["strip_accents"]; ok {
		s.stripAccents = c.StripAccents
	}
	if c.NeverSplit != nil {
		s.neverSplit = c.NeverSplit
	}
	if c.Additional != nil {
		s.additional = s.additional[:0]
		for _, t := range c.Additional {
			s.additional = append(s.additional, string(t))
		}
	}
	for _, attr := range specialAttributes {
		v, ok := raw[attr]
		if !ok {
			continue
		}
		var t *addedToken
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%s: %w", attr, err)
		}
		s.tokens[attr] = ""
		if t != nil {
			s.tokens[attr] = string(*t)
		}
	}
	return nil
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}
