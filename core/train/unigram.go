package train

import (
	"errors"
	"math"

	"bertology/core/model"
)

// UnigramPerplexity is the perplexity on eval (language-model batches) of the unigram model of the
// training examples' tokens, add-one smoothed over a vocabulary of vocabSize: the baseline a language
// model must beat to have learnt anything about context. It scores the tokens a causal language
// model's loss does: every label but each sequence's first, other than -100.
func UnigramPerplexity(examples, eval []*model.Batch, vocabSize int) (float64, error) {
	counts := make([]float64, vocabSize)
	total := float64(vocabSize)
	for _, ex := range examples {
		for _, id := range ex.InputIDs {
			counts[id]++
			total++
		}
	}
	var nll float64
	n := 0
	for _, b := range eval {
		for s := 0; s < b.Size; s++ {
			for _, l := range b.Labels[s*b.SeqLen+1 : (s+1)*b.SeqLen] {
				if l != -100 {
					nll -= math.Log((counts[l] + 1) / total)
					n++
				}
			}
		}
	}
	if n == 0 {
		return 0, errors.New("train: the evaluation text has no token to predict")
	}
	return math.Exp(nll / float64(n)), nil
}
