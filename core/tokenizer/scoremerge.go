package tokenizer

import "container/heap"

// Merging by score is the BPE of sentencepiece (bpe_model.cc) and of llama2.c's run.c encode: while
// some neighbouring pair of symbols joins into a piece of the vocabulary, join the pair whose piece
// scores highest, the leftmost of equal ones. run.c scans every pair for each join; the candidates are
// kept here in a heap instead, as sentencepiece keeps them, which joins the same pairs in the same
// order in O(n log n).

// scoredSymbol is one symbol: its text, its vocabulary id (-1 for none), whether it may not be joined
// (sentencepiece's user-defined symbols) and, when it was joined, the two it was joined from.
type scoredSymbol struct {
	text   string
	id     int
	frozen bool
	parts  *[2]scoredSymbol
}

// scoredJoin is what a join of two neighbours looks up: ok when they join, with the id and score of
// what they join into. sentencepiece and run.c score the piece the two texts make; a BPE of ranked
// merges (tokenizer.json's) scores the pair by its rank.
type scoredJoin func(left, right *scoredSymbol) (id int, score float32, ok bool)

// mergeCandidate is a pair of neighbours whose join is a piece: left and right are their places in
// the symbols, size the length of the join, which tells when either has changed since.
type mergeCandidate struct {
	left, right, size, id int
	score                 float32
}

type mergeQueue []mergeCandidate

func (q mergeQueue) Len() int { return len(q) }
func (q mergeQueue) Less(i, j int) bool {
	return q[i].score > q[j].score || q[i].score == q[j].score && q[i].left < q[j].left
}
func (q mergeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *mergeQueue) Push(x any)   { *q = append(*q, x.(mergeCandidate)) }
func (q *mergeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// mergeByScore joins the symbols as lookup allows and returns what is left, in order.
func mergeByScore(symbols []scoredSymbol, lookup scoredJoin) []scoredSymbol {
	if len(symbols) < 2 {
		return symbols
	}
	prev, next := make([]int, len(symbols)), make([]int, len(symbols))
	for i := range symbols {
		prev[i], next[i] = i-1, i+1
	}
	next[len(symbols)-1] = -1
	var queue mergeQueue
	consider := func(left, right int) {
		if left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen {
			return
		}
		if id, score, ok := lookup(&symbols[left], &symbols[right]); ok {
			size := len(symbols[left].text) + len(symbols[right].text)
			heap.Push(&queue, mergeCandidate{left: left, right: right, size: size, id: id, score: score})
		}
	}
	for i := 1; i < len(symbols); i++ {
		consider(i-1, i)
	}
	for queue.Len() > 0 {
		c := heap.Pop(&queue).(mergeCandidate)
		l, r := &symbols[c.left], &symbols[c.right]
		if l.text == "" || r.text == "" || len(l.text)+len(r.text) != c.size {
			continue // one of the pair has been joined to another since
		}
		joined := scoredSymbol{text: l.text + r.text, id: c.id, parts: &[2]scoredSymbol{*l, *r}}
		*l, *r = joined, scoredSymbol{}
		next[c.left] = next[c.right]
		if n := next[c.right]; n >= 0 {
			prev[n] = c.left
		}
		consider(prev[c.left], c.left)
		consider(c.left, next[c.left])
	}
	out := symbols[:0:0]
	for i := 0; i >= 0; i = next[i] {
		out = append(out, symbols[i])
	}
	return out
}

// joinedPiece is the scoredJoin of sentencepiece and run.c: the two texts joined, scored by piece.
func joinedPiece(piece func(text string) (id int, score float32, ok bool)) scoredJoin {
	return func(left, right *scoredSymbol) (int, float32, bool) { return piece(left.text + right.text) }
}
