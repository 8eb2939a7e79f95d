// Package saliency says which input tokens, and which attention heads, a model's prediction rests on:
// gradient norms, gradient × input and integrated gradients (Sundararajan et al. 2017) of each token,
// and attention attribution per head (Hao et al. 2021).
//
// Every method explains f, one logit: the chosen class's logit of a sequence classifier, or a language
// model's logit of a chosen next token after the sequence's last real token (Target). The logit, not
// the probability, so that attributions add up to a difference of logits and do not saturate (LIT offers
// both).
//
// The input a token's attribution is taken on is its row of the embedding layer's output, the residual
// stream the first block reads (model.Options.Embeddings): after BERT's and DistilBERT's embedding
// LayerNorm, the sum of word and position embeddings for GPT-2 and OpenAI GPT, the word embedding for
// Llama. A batch holds one sequence.
package saliency
