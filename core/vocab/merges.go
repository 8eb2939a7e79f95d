package vocab

import "container/heap"

// merger learns byte-pair-encoding merges over a bag of words: each word a sequence of symbols with
// the number of times it occurs. Every round it merges the most frequent adjacent pair of symbols
// everywhere it occurs, as Hugging Face tokenizers' BpeTrainer does, keeping the pair counts up to date
// from round to round rather than recounting.
type merger struct {
	symbols []string         // by symbol number
	number  map[string]int32 // symbol string → number
	join    func(a, b string) string

	words  [][]int32
	counts []int
	pairs  map[pairKey]int            // occurrences of each adjacent pair, weighted by word count
	where  map[pairKey]map[int32]bool // words that have held the pair (some may no longer)
	queue  pairQueue                  // candidate merges, stale entries included
}

// pairKey packs two symbol numbers.
type pairKey uint64

func makePair(a, b int32) pairKey     { return pairKey(uint64(uint32(a))<<32 | uint64(uint32(b))) }
func (p pairKey) split() (a, b int32) { return int32(uint32(p >> 32)), int32(uint32(p)) }

// newMerger takes the words as symbol strings and their counts; join spells the symbol that merging
// two symbols makes.
func newMerger(words [][]string, counts []int, join func(a, b string) string) *merger {
	mg := &merger{number: map[string]int32{}, join: join, counts: counts,
		pairs: map[pairKey]int{}, where: map[pairKey]map[int32]bool{}}
	mg.words = make([][]int32, len(words))
	for i, w := range words {
		syms := make([]int32, len(w))
		for j, s := range w {
			syms[j] = mg.intern(s)
		}
		mg.words[i] = syms
		mg.addPairs(int32(i), +1)
	}
	for p := range mg.pairs {
		mg.push(p)
	}
	return mg
}

func (mg *merger) intern(s string) int32 {
	if n, ok := mg.number[s]; ok {
		return n
	}
	n := int32(len(mg.symbols))
	mg.symbols = append(mg.symbols, s)
	mg.number[s] = n
	return n
}

// addPairs adds (sign +1) or removes (-1) the pairs of word i to or from the counts.
func (mg *merger) addPairs(i int32, sign int) {
	w := mg.words[i]
	for j := 0; j+1 < len(w); j++ {
		p := makePair(w[j], w[j+1])
		mg.pairs[p] += sign * mg.counts[i]
		if sign > 0 {
			if mg.where[p] == nil {
				mg.where[p] = map[int32]bool{}
			}
			mg.where[p][i] = true
		}
	}
}

func (mg *merger) push(p pairKey) {
	a, b := p.split()
	heap.Push(&mg.queue, pairEntry{count: mg.pairs[p], first: mg.symbols[a], second: mg.symbols[b], key: p})
}

// next merges the most frequent pair, ties going to the pair whose strings sort first, and returns
// its two symbols and the merged one; ok is false when no pair occurs at least minCount times.
func (mg *merger) next(minCount int) (first, second, merged string, ok bool) {
	for mg.queue.Len() > 0 {
		e := heap.Pop(&mg.queue).(pairEntry)
		if e.count != mg.pairs[e.key] {
			continue // stale: a fresher entry for the pair is queued
		}
		if e.count < max(minCount, 1) {
			return "", "", "", false
		}
		mg.apply(e.key)
		return e.first, e.second, mg.join(e.first, e.second), true
	}
	return "", "", "", false
}

// apply replaces every occurrence of pair p by its merged symbol and requeues the pairs whose counts
// changed.
func (mg *merger) apply(p pairKey) {
	a, b := p.split()
	ab := mg.intern(mg.join(mg.symbols[a], mg.symbols[b]))
	before := map[pairKey]int{}
	touched := func(w []int32) {
		for j := 0; j+1 < len(w); j++ {
			q := makePair(w[j], w[j+1])
			if _, ok := before[q]; !ok {
				before[q] = mg.pairs[q]
			}
		}
	}
	// Neither the order the words are visited in nor the order pairs are queued in matters: counts
	// add up the same, and the queue orders its entries completely.
	words := mg.where[p]
	delete(mg.where, p)
	for i := range words {
		w := mg.words[i]
		if !containsPair(w, a, b) {
			continue
		}
		touched(w)
		mg.addPairs(i, -1)
		out := w[:0:0]
		for j := 0; j < len(w); j++ {
			if j+1 < len(w) && w[j] == a && w[j+1] == b {
				out = append(out, ab)
				j++
				continue
			}
			out = append(out, w[j])
		}
		mg.words[i] = out
		touched(out)
		mg.addPairs(i, +1)
	}
	for q := range before {
		if mg.pairs[q] != before[q] && mg.pairs[q] > 0 {
			mg.push(q)
		}
		if mg.pairs[q] == 0 {
			delete(mg.pairs, q)
		}
	}
}

func containsPair(w []int32, a, b int32) bool {
	for j := 0; j+1 < len(w); j++ {
		if w[j] == a && w[j+1] == b {
			return true
		}
	}
	return false
}

// pairEntry is a queued candidate merge with the count it had when queued.
type pairEntry struct {
	count         int
	first, second string
	key           pairKey
}

// pairQueue is a max-heap on count, ties broken by the pair's strings in ascending order, so that the
// merges do not depend on the order symbols were numbered in.
type pairQueue []pairEntry

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].count != q[j].count {
		return q[i].count > q[j].count
	}
	if q[i].first != q[j].first {
		return q[i].first < q[j].first
	}
	return q[i].second < q[j].second
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(pairEntry)) }
func (q *pairQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
