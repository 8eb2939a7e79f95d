package tokenizer

// subwordModel is what differs between the tokenizers: how a stretch of text free of special tokens
// becomes vocabulary pieces, and how tokens join back into text (convert_tokens_to_string).
type subwordModel interface {
	appendTokens(dst []piece, text string) []piece
	joinTokens(tokens []string) string
}

// piece is one token: its text and vocabulary id (-1 when the vocabulary lacks it and has no unknown
// token to stand in).
type piece struct {
	token string
	id    int
}

// tokenizer is the pipeline all three Hugging Face tokenizers share (PreTrainedTokenizer.tokenize and
// prepare_for_model) around a subwordModel.
type tokenizer struct {
	vocab   *vocabulary
	model   subwordModel
	special specialSplitter
	named   map[string]string // special tokens by attribute ("unk_token", ...)
	ids     SpecialTokens
	// lower lower-cases the text outside special tokens before cutting it at them (do_lower_case).
	lower bool
	// prefixSpace puts a space before the text (GPT-2's add_prefix_space).
	prefixSpace bool
	layout      layout
	typeIDs     bool // the encoding has token type ids (BERT)
	cleanUp     bool // decoding cleans up tokenization spaces
}

// newTokenizer returns the shared part of a tokenizer, its special tokens registered in Hugging
// Face's order; the caller sets the model and layout.
func newTokenizer(v *vocabulary, s settings) *tokenizer {
	t := &tokenizer{vocab: v, named: s.tokens, lower: s.lower, cleanUp: s.cleanUp}
	seen := map[string]bool{}
	for _, tok := range append(tokenValues(s), s.additional...) {
		if tok == "" || seen[tok] {
			continue
		}
		seen[tok] = true
		t.special.tokens = append(t.special.tokens, tok)
		t.special.ids = append(t.special.ids, v.id(tok))
	}
	id := func(attr string) int { return t.specialPiece(attr).id }
	t.ids = SpecialTokens{UNK: id("unk_token"), CLS: id("cls_token"), SEP: id("sep_token"), PAD: id("pad_token"),
		MASK: id("mask_token"), BOS: id("bos_token"), EOS: id("eos_token")}
	return t
}

func tokenValues(s settings) []string {
	out := make([]string, len(specialAttributes))
	for i, attr := range specialAttributes {
		out[i] = s.tokens[attr]
	}
	return out
}

// specialPiece returns the special token of the given attribute ("cls_token", ...) with its id; the
// id is -1 when there is no such token or the vocabulary lacks it.
func (t *tokenizer) specialPiece(attr string) piece {
	tok := t.named[attr]
	if tok == "" {
		return piece{"", -1}
	}
	return piece{tok, t.vocab.id(tok)}
}

// tokenize is PreTrainedTokenizer.tokenize followed by convert_tokens_to_ids.
func (t *tokenizer) tokenize(text string) []piece {
	text = validUTF8(text)
	if t.prefixSpace {
		text = " " + text
	}
	if t.lower {
		text = t.special.lowerOutside(text)
	}
	var out []piece
	for _, seg := range t.special.split(nil, text) {
		if seg.special >= 0 {
			out = append(out, piece{seg.text, t.special.ids[seg.special]})
			continue
		}
		out = t.model.appendTokens(out, seg.text)
	}
	return out
}

func (t *tokenizer) Decode(ids []int) string {
	tokens := make([]string, len(ids))
	for i, id := range ids {
		tokens[i] = t.Token(id)
	}
	text := t.model.joinTokens(tokens)
	if t.cleanUp {
		text = cleanUpTokenization(text)
	}
	return text
}

func (t *tokenizer) VocabSize() int { return len(t.vocab.ids) }

func (t *tokenizer) TokenID(token string) (int, bool) {
	id, ok := t.vocab.ids[token]
	return id, ok
}

func (t *tokenizer) Token(id int) string {
	if tok, ok := t.vocab.token(id); ok {
		return tok
	}
	tok, _ := t.vocab.token(t.ids.UNK)
	return tok
}

func (t *tokenizer) PadID() int {
	for _, id := range []int{t.ids.PAD, t.ids.EOS, t.ids.UNK} {
		if id >= 0 {
			return id
		}
	}
	return 0
}

func (t *tokenizer) Special() SpecialTokens { return t.ids }
