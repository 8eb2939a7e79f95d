// Package induction scores every attention head of a causal language model as an induction head and as
// a previous-token head (Olsson et al. 2022, "In-context Learning and Induction Heads"), on sequences
// of random tokens repeated once, the test TransformerLens made standard. Nothing in it depends on the
// architecture: it reads the model's attentions, the heads' contexts and their direct logits
// (model.HeadDirectLogits).
//
// # The sequences
//
// Each sequence is [BOS] + R random tokens + the same R tokens again, T = s + 2R tokens, where s is 1
// when the tokenizer has a beginning-of-sequence token and 0 otherwise. Sequence k of a run is drawn
// with seed Seed+k: R distinct tokens, uniformly without replacement from the vocabulary less its
// special tokens, so that every token of the second repeat has exactly one earlier occurrence. Positions
// are counted from 0; the first repeat is s … s+R−1, the second s+R … s+2R−1.
//
// # The scores
//
// Each score of a head is a mean over the positions where it is defined, pooled over all the sequences
// of a run; A[i, j] is the head's attention from query position i to key position j.
//
//   - Prefix matching: the mean of A[i, i−R+1] over the R positions i of the second repeat. The token
//     at i occurred before at i−R; i−R+1 is the token after that occurrence, the one an induction head
//     attends to (the diagonal at offset −(R−1)). 1 for a head that attends only there.
//   - Previous token: the mean of A[i, i−1] over the positions i whose previous position holds one of
//     the random tokens, s+1 … T−1 (attention from the first random token to BOS says nothing about
//     previous tokens). 1 for a head that attends only to the previous token.
//   - Copying: whether what the head writes raises the logits of the tokens it attends to. At position
//     i of the second repeat, z = the head's direct logits (the head's output through its rows of the
//     output projection, the final norm's linear part and the unembedding: model.HeadDirectLogits).
//     Each token t is scored by where z puts it in the vocabulary of V tokens:
//     r(t) = (#{v : z[v] < z[t]} − #{v : z[v] > z[t]}) / (V − 1), 1 when t has the highest logit, −1
//     when it has the lowest, near 0 for a head whose output has nothing to do with t. The position's
//     copying is the mean of r(token at j) over the keys j the head attends to, weighted by A[i, j],
//     leaving out BOS (whose token is never copied); a position that attends only to BOS is left out.
//     The score is the mean over the second repeat, in [−1, 1]: near 1 for a head that copies (Olsson
//     et al.'s OV copying, measured on the head's real inputs rather than on its weights alone), below
//     0 for a head that suppresses what it attends to.
//
// An induction head scores high on prefix matching and copying both; a previous-token head high on
// previous token. Heads pruned from the model have no scores (NaN), nor has a head that attends only
// to BOS from every position of every second repeat a copying score.
package induction
