package tokenizer

// BasicWords splits text into the words BertTokenizer's BasicTokenizer gives WordPiece: cleaned,
// split on white space and punctuation, and lower-cased with accents stripped when lower is true (the
// default settings of an uncased BERT). A vocabulary trainer reads words this way so that the pieces it
// picks are the ones the tokenizer will look up.
func BasicWords(text string, lower bool) []string {
	bt := basicTokenizer{lower: lower, stripAccents: lower, chineseChars: true}
	return bt.appendWords(nil, validUTF8(text))
}

// ByteLevelWords splits text as GPT2Tokenizer's pre-tokenizer does and spells each piece in GPT-2's
// byte-level alphabet (every byte one printable character, a space "Ġ"): the strings its BPE merges
// work on.
func ByteLevelWords(text string) []string {
	pieces := appendGPT2Pretokens(nil, validUTF8(text))
	for i, p := range pieces {
		var b []byte
		for j := 0; j < len(p); j++ {
			b = append(b, byteLevelTable.char[p[j]]...)
		}
		pieces[i] = string(b)
	}
	return pieces
}

// ByteLevelAlphabet returns GPT-2's 256 byte-level characters, in byte order: the alphabet a
// byte-level BPE vocabulary starts from, so that any text can be encoded without an unknown token.
func ByteLevelAlphabet() []string {
	return append([]string(nil), byteLevelTable.char[:]...)
}

// byteLevelTable is GPT-2's byte-level alphabet, for the exported functions above.
var byteLevelTable = newByteLevel()
