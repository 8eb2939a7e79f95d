package tokenizer

import (
	"fmt"
	"math"
	"strings"
	"sync"
)

// bpeMerges is a merges.txt: pairs of symbols that byte-pair encoding joins, the earlier in the file
// the sooner. Symbols are interned so that a pair is one map lookup on two integers.
type bpeMerges struct {
	symbols []string         // interned symbols by number
	number  map[string]int32 // and back
	pairs   map[uint64]bpeMerge
}

// bpeMerge is what a pair of symbols becomes: its rank (line in merges.txt) and the merged symbol.
type bpeMerge struct {
	rank   int
	merged int32
}

// symbol is one part of a word during BPE: its interned number (-1 for a symbol no merge names) and text.
type symbol struct {
	n    int32
	text string
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// readMerges reads merges.txt as GPT2Tokenizer and OpenAIGPTTokenizer do: the text split at newlines,
// the first line (the "#version" header) and the last (empty after the final newline) dropped, each
// line split at whitespace. Only lines of exactly two symbols can ever match; a pair listed twice keeps
// its later rank.
func readMerges(data []byte) (*bpeMerges, error) {
	lines := strings.Split(pyNewlines(string(data)), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("merges.txt: no merges (need a header line and a final newline)")
	}
	lines = lines[1 : len(lines)-1]
	rules := make([]mergeRule, 0, len(lines))
	for rank, line := range lines {
		if first, second, ok := mergePair(line); ok {
			rules = append(rules, mergeRule{rank, first, second})
		}
	}
	return newMerges(rules), nil
}

// mergeRule is one merge: the pair of symbols and its rank, the lower the sooner.
type mergeRule struct {
	rank          int
	first, second string
}

// newMerges interns the rules' symbols. The symbols are slices of the rules' strings and the merged
// symbols of one string built for them all, so that 50,000 merges are a handful of allocations.
func newMerges(rules []mergeRule) *bpeMerges {
	var joined strings.Builder
	for _, r := range rules {
		joined.WriteString(r.first)
		joined.WriteString(r.second)
	}
	m := &bpeMerges{
		symbols: make([]string, 0, len(rules)+512),
		number:  make(map[string]int32, len(rules)+512),
		pairs:   make(map[uint64]bpeMerge, len(rules)),
	}
	all, at := joined.String(), 0
	for _, r := range rules {
		n := len(r.first) + len(r.second)
		a, b, ab := m.intern(r.first), m.intern(r.second), m.intern(all[at:at+n])
		at += n
		m.pairs[pairKey(a, b)] = bpeMerge{r.rank, ab}
	}
	return m
}

// mergePair returns the two symbols of a merges.txt line; ok is false unless it has exactly two.
func mergePair(line string) (first, second string, ok bool) {
	first, second, ok = strings.Cut(line, " ")
	if ok && first != "" && second != "" && !strings.ContainsFunc(first, isPySpace) && !strings.ContainsFunc(second, isPySpace) {
		return first, second, true
	}
	if f := pyFields(line); len(f) == 2 {
		return f[0], f[1], true
	}
	return "", "", false
}

func (m *bpeMerges) intern(s string) int32 {
	if n, ok := m.number[s]; ok {
		return n
	}
	n := int32(len(m.symbols))
	m.symbols = append(m.symbols, s)
	m.number[s] = n
	return n
}

// newSymbol returns the symbol spelled b.
func (m *bpeMerges) newSymbol(b []byte) symbol {
	if n, ok := m.number[string(b)]; ok {
		return symbol{n, m.symbols[n]}
	}
	return symbol{-1, string(b)}
}

// noMerge is the rank of a pair that has no merge.
const noMerge = math.MaxInt

// rank returns the rank of the pair x, y and what it merges into.
func (m *bpeMerges) rank(x, y symbol) (rank int, merged int32) {
	if x.n < 0 || y.n < 0 {
		return noMerge, -1
	}
	if mg, ok := m.pairs[pairKey(x.n, y.n)]; ok {
		return mg.rank, mg.merged
	}
	return noMerge, -1
}

// apply runs BPE on word in place and returns it: while some neighbouring pair has a merge, take the
// pair of lowest rank and join each of its occurrences from left to right. The rank of every
// neighbouring pair is kept between rounds and looked up again only where a round changed a symbol.
func (m *bpeMerges) apply(word []symbol) []symbol {
	if len(word) < 2 {
		return word
	}
	var buf [64]int
	ranks := buf[:0]
	if len(word)-1 > len(buf) {
		ranks = make([]int, 0, len(word)-1)
	}
	for i := 0; i+1 < len(word); i++ {
		r, _ := m.rank(word[i], word[i+1])
		ranks = append(ranks, r)
	}
	for len(word) > 1 {
		best := 0
		for i, r := range ranks {
			if r < ranks[best] {
				best = i
			}
		}
		rank, merged := m.rank(word[best], word[best+1])
		if rank == noMerge {
			break
		}
		a, b := word[best].n, word[best+1].n
		ab := symbol{merged, m.symbols[merged]}
		// Rewrite word from best on. src is the index a copied symbol came from (-1 for a merged
		// one): a pair of symbols copied from neighbours keeps its rank. Indices only shrink, so
		// ranks[prevSrc] is still the old value when it is read.
		w, prevSrc := best, best-1
		for i := best; i < len(word); w++ {
			src := -1
			if i+1 < len(word) && word[i].n == a && word[i+1].n == b {
				word[w] = ab
				i += 2
			} else {
				word[w] = word[i]
				src = i
				i++
			}
			if w > 0 {
				if prevSrc >= 0 && src == prevSrc+1 {
					ranks[w-1] = ranks[prevSrc]
				} else {
					ranks[w-1], _ = m.rank(word[w-1], word[w])
				}
			}
			prevSrc = src
		}
		word, ranks = word[:w], ranks[:w-1]
	}
	return word
}

// bpeWords turns words into vocabulary pieces with BPE and remembers each word's pieces, as
// GPT2Tokenizer's and OpenAIGPTTokenizer's cache does: running text repeats its words.
type bpeWords struct {
	merges *bpeMerges
	vocab  *vocabulary
	idOf   []int // vocabulary id of each interned symbol, unk where the vocabulary lacks it
	unk    int   // id of symbols the vocabulary lacks; -1 when it has no unknown token
	cache  bpeCache
}

func newBPEWords(merges *bpeMerges, vocab *vocabulary, unk int) *bpeWords {
	bw := &bpeWords{merges: merges, vocab: vocab, idOf: make([]int, len(merges.symbols)), unk: unk}
	for n, s := range merges.symbols {
		bw.idOf[n] = bw.id(symbol{-1, s})
	}
	return bw
}

// id returns the vocabulary id of s.
func (bw *bpeWords) id(s symbol) int {
	if s.n >= 0 {
		return bw.idOf[s.n]
	}
	if id := bw.vocab.id(s.text); id >= 0 {
		return id
	}
	return bw.unk
}

// encode runs BPE on word, the symbols w is spelled with, and remembers the pieces as w's.
func (bw *bpeWords) encode(w string, word []symbol) []piece {
	word = bw.merges.apply(word)
	p := make([]piece, len(word))
	for i, s := range word {
		p[i] = piece{s.text, bw.id(s)}
	}
	bw.cache.put(w, p)
	return p
}

// bpeCache maps words to their pieces. It is safe for concurrent use and forgets everything
// when it reaches maxCachedWords, so that a long session does not grow without bound.
type bpeCache struct {
	mu    sync.Mutex
	words map[string][]piece
}

const maxCachedWords = 1 << 16

func (c *bpeCache) get(w string) ([]piece, bool) {
	c.mu.Lock()
	p, ok := c.words[w]
	c.mu.Unlock()
	return p, ok
}

func (c *bpeCache) put(w string, p []piece) {
	c.mu.Lock()
	if len(c.words) >= maxCachedWords {
		clear(c.words)
	}
	if c.words == nil {
		c.words = map[string][]piece{}
	}
	c.words[strings.Clone(w)] = p // w may point into a long text
	c.mu.Unlock()
}

// reset forgets every word.
func (c *bpeCache) reset() {
	c.mu.Lock()
	c.words = nil
	c.mu.Unlock()
}
