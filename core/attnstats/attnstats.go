// Package attnstats computes the per-head attention statistics of Clark et al. 2019, "What Does BERT Look
// At? An Analysis of BERT's Attention", over a data set of attention maps: how much each head attends to the
// first token ([CLS]), to special tokens such as [SEP], to punctuation, to the previous and to the next
// token, how far it looks, and how spread out its attention is.
//
// An Accumulator takes one example at a time (Add) so that a data set streams through the model, or the
// sums of one that another worker measured (Measure there, AddSums here), and Result averages what it has
// seen so far. Every average is over query tokens, pooled across
// examples: a long sentence weighs more than a short one, as in the paper.
package attnstats

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"bertology/core/rollout"
)

// Statistic names one per-head average.
type Statistic int

const (
	// ToFirst is the attention a query pays to the first token (position 0: [CLS] for BERT).
	ToFirst Statistic = iota
	// ToSpecial is the attention paid to tokens in the accumulator's special set (e.g. [SEP]).
	ToSpecial
	// ToPunct is the attention paid to punctuation tokens (see IsPunctuation).
	ToPunct
	// ToPrev is the attention query i pays to token i−1, averaged over the queries that have one.
	ToPrev
	// ToNext is the attention query i pays to token i+1, averaged over the queries that have one.
	ToNext
	// Distance is the expected distance Σ_j a_ij·|i−j| from a query to the tokens it attends to.
	Distance
	// Entropy is the entropy −Σ_j a_ij·ln a_ij of a query's attention distribution, in nats.
	Entropy
	// NumStatistics counts the statistics above.
	NumStatistics
)

var statisticNames = [NumStatistics]string{"first token", "special tokens", "punctuation", "previous token", "next token", "distance", "entropy"}

func (s Statistic) String() string {
	if s < 0 || s >= NumStatistics {
		return fmt.Sprintf("Statistic(%d)", int(s))
	}
	return statisticNames[s]
}

// IsPunctuation reports whether a token, without surrounding white space, is non-empty and made only of
// Unicode punctuation and symbols: ",", "...", "##.", "$", "(" are; "[SEP]", "'s" and "Ġ," (GPT-2's byte
// form of " ,", which should be decoded first) are not.
func IsPunctuation(token string) bool {
	token = strings.TrimSpace(token)
	if token == "" {
		return false
	}
	for _, r := range token {
		if !unicode.IsPunct(r) && !unicode.IsSymbol(r) {
			return false
		}
	}
	return true
}

// Accumulator sums the statistics of every head over the examples added so far.
type Accumulator struct {
	layers, heads int
	special       map[string]bool
	sums          [NumStatistics][]float64 // [layers*heads]
	queries       [NumStatistics]int       // query rows behind each sum, the same for every head
	examples      int
}

// New returns an empty accumulator for a model with the given numbers of layers and heads per layer (before
// pruning: a pruned model's statistics keep the original head numbers, NaN for the heads it lost); tokens
// equal to one of special count for ToSpecial.
func New(layers, heads int, special []string) *Accumulator {
	a := &Accumulator{layers: layers, heads: heads, special: make(map[string]bool, len(special))}
	for _, s := range special {
		a.special[s] = true
	}
	for s := range a.sums {
		a.sums[s] = make([]float64, layers*heads)
	}
	return a
}

// Sums are one example's statistics of every head before they are averaged (NaN for a pruned head): what Add adds to an
// accumulator. Measure computes them and AddSums adds them, so that a data set's examples may be measured
// on other workers and added up in their order, to the sums that Add gives.
type Sums struct {
	// Values[s·layers·heads + l·heads + h] is statistic s of head h in layer l, summed over the
	// example's queries.
	Values []float64 `js:"values"`
	Tokens int       `js:"tokens"` // the example's tokens, T
}

// Add accumulates one example: its tokens (the real ones, len T) and its attention maps over them
// (rollout.Crop cuts them out of a padded batch). An example that does not fit leaves the accumulator
// unchanged.
func (a *Accumulator) Add(tokens []string, att *rollout.Attention) error {
	sums, err := a.measure(tokens, att)
	if err != nil {
		return fmt.Errorf("attnstats: example %d%w", a.examples, err)
	}
	a.add(sums)
	return nil
}

// Measure returns the sums that Add would add for the example, and leaves the accumulator unchanged.
func (a *Accumulator) Measure(tokens []string, att *rollout.Attention) (*Sums, error) {
	sums, err := a.measure(tokens, att)
	if err != nil {
		return nil, fmt.Errorf("attnstats: the example%w", err)
	}
	return sums, nil
}

// AddSums adds an example's sums, as Measure gives them here or in an accumulator made alike (with the
// same layers, heads and special tokens).
func (a *Accumulator) AddSums(sums *Sums) error {
	if sums == nil {
		return fmt.Errorf("attnstats: example %d has no sums", a.examples)
	}
	if n := int(NumStatistics) * a.layers * a.heads; len(sums.Values) != n || sums.Tokens < 1 {
		return fmt.Errorf("attnstats: example %d has %d sums over %d tokens, want %d statistics × %d layers × %d heads over at least one",
			a.examples, len(sums.Values), sums.Tokens, NumStatistics, a.layers, a.heads)
	}
	a.add(sums)
	return nil
}

// measure computes an example's sums; its errors go on from the example's name.
func (a *Accumulator) measure(tokens []string, att *rollout.Attention) (*Sums, error) {
	if err := att.Validate(); err != nil {
		return nil, fmt.Errorf(": %w", err)
	}
	if len(att.Layers) != a.layers || att.Heads != a.heads {
		return nil, fmt.Errorf(" has %d layers of %d heads, want %d of %d", len(att.Layers), att.Heads, a.layers, a.heads)
	}
	T := att.T
	if len(tokens) != T {
		return nil, fmt.Errorf(" has %d tokens for attention over %d", len(tokens), T)
	}
	special := make([]bool, T)
	punct := make([]bool, T)
	for j, tok := range tokens {
		special[j] = a.special[tok]
		punct[j] = IsPunctuation(tok)
	}
	n := a.layers * a.heads
	sums := &Sums{Values: make([]float64, int(NumStatistics)*n), Tokens: T}
	// A head pruned away has no statistics: NaN, which its averages keep and Top leaves out.
	for k := range sums.Values {
		sums.Values[k] = math.NaN()
	}
	for l, w := range att.Layers {
		for k, h := range att.HeadsOf(l) {
			var v [NumStatistics]float64
			for i := 0; i < T; i++ {
				row := w[(k*T+i)*T : (k*T+i+1)*T]
				v[ToFirst] += float64(row[0])
				if i > 0 {
					v[ToPrev] += float64(row[i-1])
				}
				if i < T-1 {
					v[ToNext] += float64(row[i+1])
				}
				for j, x := range row {
					p := float64(x)
					if special[j] {
						v[ToSpecial] += p
					}
					if punct[j] {
						v[ToPunct] += p
					}
					v[Distance] += p * math.Abs(float64(i-j))
					if p > 0 {
						v[Entropy] -= p * math.Log(p)
					}
				}
			}
			for s := range v {
				sums.Values[s*n+l*a.heads+h] = v[s]
			}
		}
	}
	return sums, nil
}

// add adds sums of the accumulator's shape.
func (a *Accumulator) add(sums *Sums) {
	n := a.layers * a.heads
	for s := range a.sums {
		for k, v := range sums.Values[s*n : (s+1)*n] {
			a.sums[s][k] += v
		}
	}
	for s := range a.queries {
		if Statistic(s) == ToPrev || Statistic(s) == ToNext {
			a.queries[s] += sums.Tokens - 1
		} else {
			a.queries[s] += sums.Tokens
		}
	}
	a.examples++
}

// Result returns the averages over the examples added so far.
func (a *Accumulator) Result() *Result {
	r := &Result{Layers: a.layers, Heads: a.heads, Examples: a.examples, Tokens: a.queries[ToFirst]}
	for s := range r.Mean {
		r.Mean[s] = make([]float64, len(a.sums[s]))
		for k, sum := range a.sums[s] {
			r.Mean[s][k] = sum / float64(a.queries[s]) // NaN when no query contributed
		}
	}
	return r
}
