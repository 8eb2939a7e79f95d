// Package tokenizer turns text into the token ids a model reads, matching the slow (pure Python)
// tokenizers of Hugging Face transformers 4.31 token for token: BERT's WordPiece (BertTokenizer, also
// used by DistilBERT), GPT-2's byte-level BPE (GPT2Tokenizer) and OpenAI GPT's BPE (OpenAIGPTTokenizer
// as it runs without ftfy and spaCy). It also decodes ids back to text as their decode does.
//
// Every tokenizer first cuts the text at its special tokens ("[SEP]", "<|endoftext|>", ...), which pass
// through whole, then tokenizes the stretches between them with its own model; Encode then adds the
// model's special tokens ([CLS] a [SEP] b [SEP] for BERT, nothing for the GPTs by default), truncates
// (Hugging Face's longest_first) and pads.
//
// Text is expected in UTF-8; a byte that is not part of valid UTF-8 reads as U+FFFD.
package tokenizer

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Encoding is one encoded text or text pair, all slices of the same length (the padded length when
// padding). Tokens are the vocabulary strings the model pieces were looked up by; a piece the
// vocabulary lacks keeps its own text and gets the unknown token's id, as Hugging Face's tokenize
// and convert_tokens_to_ids do. TypeIDs is nil for DistilBERT, GPT-2 and OpenAI GPT, whose tokenizers return no
// token_type_ids: their models then add no token-type embedding.
type Encoding struct {
	Tokens        []string
	IDs           []int
	TypeIDs       []int
	AttentionMask []int
	// Truncated is how many tokens Options.Truncate cut off (Hugging Face's num_truncated_tokens);
	// 0 when the input fit.
	Truncated int
}

// Options says how long an encoding may be and whether to pad it.
type Options struct {
	// MaxLength bounds the encoding, special tokens included; 0 means no bound.
	MaxLength int
	// Truncate cuts an encoding longer than MaxLength down to it (Hugging Face's longest_first: one
	// token at a time off the end of the longer sequence of a pair, of the second when they tie);
	// without it such an encoding is an error.
	Truncate bool
	// Pad pads with the pad token up to MaxLength (Hugging Face's padding="max_length"). Padding has
	// attention mask 0 and token type 0.
	Pad bool
}

// Tokenizer encodes text for a model and decodes ids back.
type Tokenizer interface {
	// Encode encodes text, or the pair text, pair when hasPair. It fails when a token has no id (a
	// special token or unknown piece the vocabulary lacks) or when the encoding does not fit
	// opt.MaxLength (too long without opt.Truncate, or no room left for the text beside the
	// special tokens).
	Encode(text, pair string, hasPair bool, opt Options) (Encoding, error)
	// Decode turns ids back into text as Hugging Face's decode does by default: special tokens kept,
	// tokenization spaces cleaned up when the tokenizer's configuration asks for it. An id outside
	// the vocabulary reads as the unknown token.
	Decode(ids []int) string
	// VocabSize is the number of tokens in the vocabulary.
	VocabSize() int
	// TokenID returns the id of a vocabulary token.
	TokenID(token string) (int, bool)
	// Token returns the vocabulary token with the given id, or the unknown token when there is none.
	Token(id int) string
	// PadID is the id padding uses: the pad token, else the end-of-text token (GPT-2 has no pad
	// token and pads with <|endoftext|>), else the unknown token (OpenAI GPT).
	PadID() int
	// Special returns the ids of the special tokens.
	Special() SpecialTokens
}

// SpecialTokens holds a tokenizer's special-token ids; -1 where it has no such token (or the
// vocabulary lacks it).
type SpecialTokens struct {
	UNK, CLS, SEP, PAD, MASK, BOS, EOS int
}

// Files lists the base names of the files FromFiles reads from a model directory, in the order
// AutoTokenizer looks for them.
var Files = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model"}

// FromFiles builds the tokenizer a model directory needs from its files, given by base name:
// vocab.txt for bert and distilbert, vocab.json and merges.txt for gpt2 and openai-gpt, or in either
// case, when those are missing, the vocabulary and merges of tokenizer.json (a repository that ships
// only a fast tokenizer; see readTokenizerJSON); and tokenizer_config.json and
// special_tokens_map.json when present. For llama it is tokenizer.model (LlamaTokenizer), else
// tokenizer.json (LlamaTokenizerFast's), else llama2.c's tokenizer (the first of Llama2cFiles the files have; a llama2.c model directory has
// nothing else). modelType is config.json's model_type.
func FromFiles(modelType string, files map[string][]byte) (Tokenizer, error) {
	s, err := readSettings(modelType, files["tokenizer_config.json"], files["special_tokens_map.json"])
	if err != nil {
		return nil, err
	}
	if modelType == "llama" {
		return llamaFromFiles(files, s)
	}
	wordPiece := modelType == "bert" || modelType == "distilbert"
	var v *vocabulary
	var m *bpeMerges
	switch {
	case wordPiece && files["vocab.txt"] != nil:
		if v, err = readVocabTxt(files["vocab.txt"]); err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
	case !wordPiece && files["vocab.json"] != nil && files["merges.txt"] != nil:
		v, m, err = readBPEFiles(files["vocab.json"], files["merges.txt"])
	case files["tokenizer.json"] != nil:
		v, m, err = readTokenizerJSON(modelType, files["tokenizer.json"], &s)
	default:
		missing := "vocab.txt"
		if !wordPiece {
			missing = "vocab.json and merges.txt"
			if files["vocab.json"] != nil {
				missing = "merges.txt"
			} else if files["merges.txt"] != nil {
				missing = "vocab.json"
			}
		}
		return nil, fmt.Errorf("tokenizer: a %s tokenizer needs %s (or tokenizer.json), which the files lack", modelType, missing)
	}
	if err != nil {
		return nil, err
	}
	switch modelType {
	case "bert", "distilbert":
		return newBERT(v, s)
	case "gpt2":
		return newGPT2(v, m, s), nil
	default:
		return newOpenAI(v, m, s), nil
	}
}

// llamaFromFiles builds a Llama tokenizer from the first of its files that the files have.
func llamaFromFiles(files map[string][]byte, s settings) (Tokenizer, error) {
	if b := files["tokenizer.model"]; b != nil {
		return newLlama(b, s)
	}
	if b := files["tokenizer.json"]; b != nil {
		return newLlamaFromJSON(b, s)
	}
	for _, name := range Llama2cFiles {
		if b := files[name]; b != nil {
			t, err := readLlama2cTokenizer(name, b)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	return nil, fmt.Errorf("tokenizer: a llama tokenizer needs tokenizer.model, tokenizer.json or llama2.c's %s, which the files lack", strings.Join(Llama2cFiles, " or "))
}

// NewWordPiece returns BertTokenizer with its default settings and the given do_lower_case.
func NewWordPiece(vocab io.Reader, lower bool) (Tokenizer, error) {
	b, err := io.ReadAll(vocab)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: vocab.txt: %w", err)
	}
	v, err := readVocabTxt(b)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	s, _ := defaultSettings("bert")
	s.lower = lower
	return newBERT(v, s)
}

// NewGPT2BPE returns GPT2Tokenizer with its default settings.
func NewGPT2BPE(vocab, merges io.Reader) (Tokenizer, error) {
	v, m, err := readBoth(vocab, merges)
	if err != nil {
		return nil, err
	}
	s, _ := defaultSettings("gpt2")
	return newGPT2(v, m, s), nil
}

// NewOpenAIBPE returns OpenAIGPTTokenizer with its default settings.
func NewOpenAIBPE(vocab, merges io.Reader) (Tokenizer, error) {
	v, m, err := readBoth(vocab, merges)
	if err != nil {
		return nil, err
	}
	s, _ := defaultSettings("openai-gpt")
	return newOpenAI(v, m, s), nil
}

// readBoth reads vocab.json and merges.txt from readers.
func readBoth(vocab, merges io.Reader) (*vocabulary, *bpeMerges, error) {
	v, err := io.ReadAll(vocab)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer: vocab.json: %w", err)
	}
	m, err := io.ReadAll(merges)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer: merges.txt: %w", err)
	}
	return readBPEFiles(v, m)
}

func newBERT(v *vocabulary, s settings) (Tokenizer, error) {
	t := newTokenizer(v, s)
	for _, tok := range []string{"cls_token", "sep_token"} {
		if t.specialPiece(tok).id < 0 {
			return nil, fmt.Errorf("tokenizer: the vocabulary has no %s %q", tok, s.tokens[tok])
		}
	}
	basic := basicTokenizer{lower: s.lower, stripAccents: s.lower, chineseChars: s.chineseChars,
		neverSplit: newWordSet(s.neverSplit, t.special.tokens)}
	if s.stripAccents != nil {
		basic.stripAccents = *s.stripAccents
	}
	t.model = newWordPiece(basic, v, s.tokens["unk_token"], newWordSet(s.neverSplit))
	cls, sep := t.specialPiece("cls_token"), t.specialPiece("sep_token")
	t.layout = layout{beforeA: []piece{cls}, afterA: []piece{sep}, afterB: []piece{sep}}
	t.typeIDs = s.typeIDs
	return t, nil
}

func newGPT2(v *vocabulary, m *bpeMerges, s settings) Tokenizer {
	t := newTokenizer(v, s)
	t.lower = false // GPT2Tokenizer has no do_lower_case
	t.prefixSpace = s.addPrefixSpace
	t.model = newGPT2BPE(v, m, t.ids.UNK)
	if s.addBOS {
		bos := t.specialPiece("bos_token")
		t.layout = layout{beforeA: []piece{bos}, beforeB: []piece{bos}}
	}
	return t
}

func newOpenAI(v *vocabulary, m *bpeMerges, s settings) Tokenizer {
	t := newTokenizer(v, s)
	t.lower = true // OpenAIGPTTokenizer.do_lower_case is always true
	basic := basicTokenizer{lower: true, stripAccents: true, chineseChars: true}
	t.model = &openAIBPE{bpeWords: newBPEWords(m, v, t.ids.UNK), basic: basic}
	return t
}

func readBPEFiles(vocabJSON, mergesTxt []byte) (*vocabulary, *bpeMerges, error) {
	v, err := readVocabJSON(vocabJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer: %w", err)
	}
	m, err := readMerges(mergesTxt)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer: %w", err)
	}
	return v, m, nil
}

// validUTF8 returns s with every byte that is not part of valid UTF-8 replaced by U+FFFD, as ranging
// over a Go string reads it; Python strings, which the reference tokenizers take, cannot hold such bytes.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}
