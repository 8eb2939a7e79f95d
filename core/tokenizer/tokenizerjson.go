package tokenizer

import (
	"encoding/json"
	"fmt"
)

// tokenizerJSON is what bertology reads of a tokenizer.json, the file of the tokenizers library behind
// Hugging Face's fast tokenizers, which some repositories ship instead of vocab.txt or vocab.json and
// merges.txt.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Normalizer   *tokenizerComponent `json:"normalizer"`
	PreTokenizer *tokenizerComponent `json:"pre_tokenizer"`
	Model        struct {
		Type                    string          `json:"type"`
		Vocab                   json.RawMessage `json:"vocab"`
		Merges                  json.RawMessage `json:"merges"`
		UnkToken                *string         `json:"unk_token"`
		ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
		EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
		Dropout                 *float64        `json:"dropout"`
		ByteFallback            bool            `json:"byte_fallback"`
	} `json:"model"`
}

// tokenizerComponent is a normalizer or pre-tokenizer of tokenizer.json, with the options of the kinds
// bertology's tokenizers are: BertNormalizer, BertPreTokenizer and ByteLevel.
type tokenizerComponent struct {
	Type               string `json:"type"`
	CleanText          *bool  `json:"clean_text"`
	HandleChineseChars *bool  `json:"handle_chinese_chars"`
	StripAccents       *bool  `json:"strip_accents"`
	Lowercase          *bool  `json:"lowercase"`
	UseRegex           *bool  `json:"use_regex"`
}

func (c *tokenizerComponent) kind() string {
	if c == nil {
		return "none"
	}
	return fmt.Sprintf("%q", c.Type)
}

// readTokenizerJSON reads the vocabulary (with the added tokens) and, for BPE, the merges of a
// tokenizer.json, for the tokenizer of modelType: WordPiece for bert and distilbert, byte-level BPE for
// gpt2, BPE with "</w>" word ends for openai-gpt. It refuses a file whose model or normalization is not
// what that tokenizer does, naming the part at fault.
//
// Which of the normalization's options apply is as with transformers' fast tokenizers:
// BertTokenizerFast and GPT2TokenizerFast rebuild the normalizer and pre-tokenizer from
// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, add_prefix_space, and
// their defaults), so s, which holds those, wins over tokenizer.json's lowercase, strip_accents,
// handle_chinese_chars and add_prefix_space; the added tokens join s's special tokens, to be cut out of
// the text whole as the tokenizers library does.
func readTokenizerJSON(modelType string, data []byte, s *settings) (*vocabulary, *bpeMerges, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("tokenizer: tokenizer.json: "+format, args...)
	}
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, nil, fail("%w", err)
	}
	m := &tj.Model
	wordPiece := modelType == "bert" || modelType == "distilbert"
	want := map[bool]string{true: "WordPiece", false: "BPE"}[wordPiece]
	if m.Type != want {
		return nil, nil, fail("model %q is not supported: a %s tokenizer is %s", m.Type, modelType, want)
	}
	switch {
	case wordPiece:
		if p := m.ContinuingSubwordPrefix; p != nil && *p != "##" {
			return nil, nil, fail("continuing_subword_prefix %q is not supported (BertTokenizer's is \"##\")", *p)
		}
		if n := m.MaxInputCharsPerWord; n != nil && *n != maxWordChars {
			return nil, nil, fail("max_input_chars_per_word %d is not supported (BertTokenizer's is %d)", *n, maxWordChars)
		}
		if m.UnkToken != nil && *m.UnkToken != s.tokens["unk_token"] {
			return nil, nil, fail("the model's unk_token %q is not the tokenizer's unk_token %q", *m.UnkToken, s.tokens["unk_token"])
		}
		if err := checkBertNormalizer(tj.Normalizer, false); err != nil {
			return nil, nil, fail("%w", err)
		}
		if tj.PreTokenizer == nil || tj.PreTokenizer.Type != "BertPreTokenizer" {
			return nil, nil, fail("pre_tokenizer %s is not supported (BertTokenizer's is \"BertPreTokenizer\")", tj.PreTokenizer.kind())
		}
	default:
		wantSuffix := map[bool]string{true: "</w>", false: ""}[modelType == "openai-gpt"]
		if p := m.ContinuingSubwordPrefix; p != nil && *p != "" {
			return nil, nil, fail("continuing_subword_prefix %q is not supported", *p)
		}
		if e := m.EndOfWordSuffix; e != nil && *e != wantSuffix || e == nil && wantSuffix != "" {
			return nil, nil, fail("end_of_word_suffix %s is not supported (a %s tokenizer's is %q)", quoteOrNull(e), modelType, wantSuffix)
		}
		if m.Dropout != nil {
			return nil, nil, fail("BPE dropout %v is not supported", *m.Dropout)
		}
		if m.ByteFallback {
			return nil, nil, fail("byte_fallback is not supported")
		}
		if modelType == "openai-gpt" {
			// OpenAIGPTTokenizerFast keeps tokenizer.json's normalization, which must then be what
			// OpenAIGPTTokenizer does: lower-case, strip accents, split CJK characters.
			if err := checkBertNormalizer(tj.Normalizer, true); err != nil {
				return nil, nil, fail("%w", err)
			}
			if tj.PreTokenizer == nil || tj.PreTokenizer.Type != "BertPreTokenizer" {
				return nil, nil, fail("pre_tokenizer %s is not supported (OpenAIGPTTokenizer's is \"BertPreTokenizer\")", tj.PreTokenizer.kind())
			}
			break
		}
		if tj.Normalizer != nil {
			return nil, nil, fail("normalizer %s is not supported (GPT2Tokenizer has none)", tj.Normalizer.kind())
		}
		if pt := tj.PreTokenizer; pt == nil || pt.Type != "ByteLevel" || pt.UseRegex != nil && !*pt.UseRegex {
			return nil, nil, fail("pre_tokenizer %s is not supported (GPT2Tokenizer's is \"ByteLevel\" with use_regex)", tj.PreTokenizer.kind())
		}
	}

	return tj.vocabulary(s, !wordPiece)
}

// vocabulary reads the model's vocabulary with the added tokens, which join s's special tokens, and
// with merges the BPE merges.
func (tj *tokenizerJSON) vocabulary(s *settings, merges bool) (*vocabulary, *bpeMerges, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("tokenizer: tokenizer.json: "+format, args...)
	}
	m := &tj.Model
	if isNull(m.Vocab) {
		return nil, nil, fail("the model has no vocab")
	}
	ids, err := parseJSONVocab(m.Vocab)
	if err != nil {
		return nil, nil, fail("model vocab: %w", err)
	}
	byID := make(map[int]string, len(ids))
	for tok, id := range ids {
		byID[id] = tok
	}
	for _, at := range tj.AddedTokens {
		if id, ok := ids[at.Content]; ok && id != at.ID {
			return nil, nil, fail("added token %q has id %d, the vocabulary gives it %d", at.Content, at.ID, id)
		}
		if other, ok := byID[at.ID]; ok && other != at.Content {
			return nil, nil, fail("added token %q has id %d, which the vocabulary gives %q", at.Content, at.ID, other)
		}
		ids[at.Content], byID[at.ID] = at.ID, at.Content
		s.additional = append(s.additional, at.Content)
	}
	v, err := newVocabulary("tokenizer.json", ids)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer: %w", err)
	}
	if !merges {
		return v, nil, nil
	}
	if isNull(m.Merges) {
		return nil, nil, fail("the BPE model has no merges")
	}
	rules, err := parseJSONMerges(m.Merges)
	if err != nil {
		return nil, nil, fail("model merges: %w", err)
	}
	return v, newMerges(rules), nil
}

// checkBertNormalizer checks that a normalizer is a BertNormalizer that cleans the text, as
// BertTokenizer's BasicTokenizer always does; fixed asks besides for the options OpenAIGPTTokenizer
// hard-codes (lowercase, accents stripped, CJK characters split).
func checkBertNormalizer(n *tokenizerComponent, fixed bool) error {
	if n == nil || n.Type != "BertNormalizer" {
		return fmt.Errorf("normalizer %s is not supported (bertology's WordPiece normalizes as \"BertNormalizer\")", n.kind())
	}
	if n.CleanText != nil && !*n.CleanText {
		return fmt.Errorf("normalizer: clean_text false is not supported")
	}
	if fixed && (n.Lowercase != nil && !*n.Lowercase || n.StripAccents != nil && !*n.StripAccents ||
		n.HandleChineseChars != nil && !*n.HandleChineseChars) {
		return fmt.Errorf("normalizer: an OpenAI GPT tokenizer lower-cases, strips accents and splits CJK characters")
	}
	return nil
}

// isNull reports whether a key was absent or null.
func isNull(raw json.RawMessage) bool { return raw == nil || string(raw) == "null" }

func quoteOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

// parseJSONMerges parses tokenizer.json's BPE merges, each of which is a string "first second" (as the
// tokenizers library writes them before 0.20) or a pair ["first", "second"] (since); the rank of a merge
// is its place in the list. Like parseJSONVocab it is written out by hand: GPT-2 has 50,000 merges.
func parseJSONMerges(data []byte) ([]mergeRule, error) {
	p := jsonParser{text: string(data)}
	// A merge is first and second, or, when one, the string "first second" in first.
	type merge struct {
		first, second jsonString
		one           bool
	}
	var merges []merge
	if err := p.expect('['); err != nil {
		return nil, err
	}
	if p.space(); p.i < len(p.text) && p.text[p.i] == ']' {
		p.i++
	} else {
		for {
			var m merge
			var err error
			if p.space(); p.i < len(p.text) && p.text[p.i] == '[' {
				p.i++
				if m.first, err = p.string(); err != nil {
					return nil, err
				}
				if err := p.expect(','); err != nil {
					return nil, err
				}
				if m.second, err = p.string(); err != nil {
					return nil, err
				}
				if err := p.expect(']'); err != nil {
					return nil, err
				}
			} else if m.first, err = p.string(); err != nil {
				return nil, err
			} else {
				m.one = true
			}
			merges = append(merges, m)
			if p.space(); p.i < len(p.text) && p.text[p.i] == ',' {
				p.i++
				continue
			}
			if err := p.expect(']'); err != nil {
				return nil, err
			}
			break
		}
	}
	if p.space(); p.i < len(p.text) {
		return nil, p.errorf("data after the array")
	}
	unescaped := string(p.unescaped)
	rules := make([]mergeRule, len(merges))
	for i, m := range merges {
		first, second, ok := p.value(m.first, unescaped), "", true
		if m.one {
			first, second, ok = mergePair(first)
		} else {
			second = p.value(m.second, unescaped)
			ok = first != "" && second != ""
		}
		if !ok {
			return nil, fmt.Errorf("merge %d is not two symbols", i)
		}
		rules[i] = mergeRule{i, first, second}
	}
	return rules, nil
}
