package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"bertology/core/tokenizer"
)

// EndOfText is GPT-2's one special token, the last of a trained byte-level vocabulary: its unknown,
// beginning, end and padding token.
const EndOfText = "<|endoftext|>"

// BPEOptions says how large a byte-level BPE vocabulary to train.
type BPEOptions struct {
	// Size is the vocabulary's size: the 256 byte characters, the merges and <|endoftext|>.
	Size int
	// MinFrequency is the fewest occurrences a pair needs to be merged (at least 1).
	MinFrequency int
}

// BPE is a trained byte-level BPE vocabulary, what GPT2Tokenizer reads from vocab.json and merges.txt.
type BPE struct {
	// Tokens by id: the 256 byte-level characters in byte order, one token per merge in merge order
	// (fewer when two merges spell the same token), then <|endoftext|>.
	Tokens []string
	// Merges are the learnt merges, by rank.
	Merges [][2]string
}

// ByteLevelBPE trains a byte-level BPE vocabulary on texts as Hugging Face's ByteLevelBPETokenizer
// does: the text is cut by GPT-2's pre-tokenizer, each piece spelt in its byte-level alphabet
// (core/tokenizer.ByteLevelWords), and the most frequent pair of symbols merged until the vocabulary
// holds opt.Size tokens. Any text can be encoded with it, since every byte is a token.
func ByteLevelBPE(texts []string, opt BPEOptions) (*BPE, error) {
	alphabet := tokenizer.ByteLevelAlphabet()
	if opt.Size < len(alphabet)+1 {
		return nil, fmt.Errorf("vocab: a size of %d leaves no room for the %d byte characters and %s", opt.Size, len(alphabet), EndOfText)
	}
	wordCounts := map[string]int{}
	for _, text := range texts {
		for _, w := range tokenizer.ByteLevelWords(text) {
			wordCounts[w]++
		}
	}
	var words [][]string
	var counts []int
	for _, w := range slices.Sorted(maps.Keys(wordCounts)) {
		words, counts = append(words, strings.Split(w, "")), append(counts, wordCounts[w])
	}
	out := &BPE{Tokens: alphabet}
	seen := map[string]bool{}
	for _, t := range alphabet {
		seen[t] = true
	}
	mg := newMerger(words, counts, func(a, b string) string { return a + b })
	for len(out.Tokens)+1 < opt.Size {
		first, second, merged, ok := mg.next(opt.MinFrequency)
		if !ok {
			break
		}
		out.Merges = append(out.Merges, [2]string{first, second})
		if !seen[merged] {
			seen[merged] = true
			out.Tokens = append(out.Tokens, merged)
		}
	}
	out.Tokens = append(out.Tokens, EndOfText)
	return out, nil
}

// VocabJSON encodes the vocabulary as GPT-2's vocab.json, an object from token to id.
func (b *BPE) VocabJSON() []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for id, t := range b.Tokens {
		if id > 0 {
			buf.WriteString(", ")
		}
		enc.Encode(t) // a string always encodes
		buf.Truncate(buf.Len() - 1)
		fmt.Fprintf(&buf, ": %d", id)
	}
	buf.WriteString("}\n")
	return buf.Bytes()
}

// MergesTxt encodes the merges as GPT-2's merges.txt: a version line, then one merge a line, by rank,
// ending with a newline (GPT2Tokenizer drops the last line).
func (b *BPE) MergesTxt() []byte {
	var buf bytes.Buffer
	buf.WriteString("#version: 0.2\n")
	for _, m := range b.Merges {
		buf.WriteString(m[0] + " " + m[1] + "\n")
	}
	return buf.Bytes()
}
