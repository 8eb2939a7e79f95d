// Package vocab trains tokenizer vocabularies from text, for models bertology trains from scratch: a
// WordPiece vocabulary (vocab.txt) for BERT and DistilBERT, and a byte-level BPE vocabulary
// (vocab.json and merges.txt) for GPT-2. Both learn merges as Hugging Face tokenizers' trainers do:
// words are cut into characters, and the most frequent adjacent pair of symbols is merged, round after
// round, until the vocabulary is full. Training is deterministic: ties go to the pair whose strings
// sort first.
package vocab

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"bertology/core/tokenizer"
)

// WordPieceSpecials are the special tokens a trained WordPiece vocabulary starts with, ids 0 to 4.
var WordPieceSpecials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// continuation marks a WordPiece piece that continues a word.
const continuation = "##"

// WordPieceOptions says how large a WordPiece vocabulary to train and how to read the text.
type WordPieceOptions struct {
	// Size is the vocabulary's size, special tokens included.
	Size int
	// Lowercase reads the text as an uncased BERT tokenizer does (do_lower_case, accents stripped).
	Lowercase bool
	// MinFrequency is the fewest occurrences a pair needs to be merged (at least 1).
	MinFrequency int
	// MaxAlphabet, when positive, keeps only that many of the most frequent characters (ties to the
	// smaller code point); words holding others are left out, as the tokenizer reads them as [UNK].
	MaxAlphabet int
}

// WordPiece trains a WordPiece vocabulary on texts and returns its tokens by id: the special tokens,
// then every character of the alphabet both as a word's first piece and as a "##" continuation, in
// code point order, then the merged pieces in the order they were learnt.
//
// The words are those BertTokenizer's BasicTokenizer finds (core/tokenizer.BasicWords). Each word
// starts as its characters, all but the first with the "##" prefix, and merging two pieces glues their
// texts ("un" + "##aff" = "unaff", "##aff" + "##able" = "##affable"), as the WordPiece trainer of
// Hugging Face tokenizers does. Since every character is in the vocabulary in both forms, BertTokenizer
// cuts any word whose characters are all in the alphabet into pieces without [UNK].
func WordPiece(texts []string, opt WordPieceOptions) ([]string, error) {
	wordCounts := map[string]int{}
	for _, text := range texts {
		for _, w := range tokenizer.BasicWords(text, opt.Lowercase) {
			wordCounts[w]++
		}
	}
	alphabet := alphabetOf(wordCounts, opt.MaxAlphabet)
	base := len(WordPieceSpecials) + 2*len(alphabet)
	if opt.Size < base {
		return nil, fmt.Errorf("vocab: a size of %d leaves no room for the %d special tokens and the %d characters of the text, each also as a ## continuation (%d tokens); raise the size or limit the alphabet",
			opt.Size, len(WordPieceSpecials), len(alphabet), base)
	}
	tokens := slices.Clone(WordPieceSpecials)
	inAlphabet := map[rune]bool{}
	for _, r := range alphabet {
		tokens = append(tokens, string(r))
		inAlphabet[r] = true
	}
	for _, r := range alphabet {
		tokens = append(tokens, continuation+string(r))
	}

	var words [][]string
	var counts []int
	for _, w := range slices.Sorted(maps.Keys(wordCounts)) {
		var syms []string
		for i, r := range w {
			if !inAlphabet[r] {
				syms = nil
				break
			}
			s := string(r)
			if i > 0 {
				s = continuation + s
			}
			syms = append(syms, s)
		}
		if syms != nil {
			words, counts = append(words, syms), append(counts, wordCounts[w])
		}
	}
	seen := map[string]bool{}
	for _, t := range tokens {
		seen[t] = true
	}
	mg := newMerger(words, counts, joinWordPiece)
	for len(tokens) < opt.Size {
		_, _, merged, ok := mg.next(opt.MinFrequency)
		if !ok {
			break
		}
		if !seen[merged] { // two different merges may spell the same piece
			seen[merged] = true
			tokens = append(tokens, merged)
		}
	}
	return tokens, nil
}

// joinWordPiece glues two pieces; the second's "##" goes, the first keeps whatever it starts with.
func joinWordPiece(a, b string) string { return a + strings.TrimPrefix(b, continuation) }

// alphabetOf lists the characters of the words, in code point order, keeping only the limit most
// frequent when limit is positive.
func alphabetOf(wordCounts map[string]int, limit int) []rune {
	freq := map[rune]int{}
	for w, c := range wordCounts {
		for _, r := range w {
			freq[r] += c
		}
	}
	chars := make([]rune, 0, len(freq))
	for r := range freq {
		chars = append(chars, r)
	}
	if limit > 0 && len(chars) > limit {
		slices.SortFunc(chars, func(a, b rune) int {
			return cmp.Or(cmp.Compare(freq[b], freq[a]), cmp.Compare(a, b)) // most frequent first
		})
		chars = chars[:limit]
	}
	slices.Sort(chars)
	return chars
}

// WriteVocabTxt writes tokens as BERT's vocab.txt: one a line, the line number being the id.
func WriteVocabTxt(w io.Writer, tokens []string) error {
	bw := bufio.NewWriter(w)
	for i, t := range tokens {
		if t == "" || strings.ContainsAny(t, "\r\n") || !utf8.ValidString(t) {
			return fmt.Errorf("vocab: token %d (%q) cannot be a line of vocab.txt", i, t)
		}
		bw.WriteString(t)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
