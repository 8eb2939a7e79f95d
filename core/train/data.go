package train

import (
	"math/rand/v2"
	"slices"

	"bertology/core/model"
)

// megabatch is how many batches' worth of examples a length-grouped order sorts at a time, Hugging
// Face's LengthGroupedSampler's megabatch_mult.
const megabatch = 50

// epochOrder returns the order an epoch visits the examples in: a random permutation, and with
// groupByLength each run of megabatch·batchSize of it sorted by length, longest first (Hugging Face's
// group_by_length), so that batches hold sequences of similar lengths and little padding.
func epochOrder(r *rand.Rand, examples []*model.Batch, batchSize int, groupByLength bool) []int {
	order := r.Perm(len(examples))
	if !groupByLength {
		return order
	}
	size := megabatch * batchSize
	for start := 0; start < len(order); start += size {
		part := order[start:min(start+size, len(order))]
		slices.SortStableFunc(part, func(a, b int) int { return examples[b].SeqLen - examples[a].SeqLen })
	}
	return order
}
