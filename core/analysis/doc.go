// Package analysis runs a model over sentences or a data set and feeds what it computes to the analyses
// beyond single attention maps: per-layer probe features (core/probe), attention rollout and flow of one
// sentence (core/rollout), and attention statistics over a data set (core/attnstats): text and tokenizer in,
// the analyses' inputs out, the same for the command line and for the browser.
//
// Sequences are encoded without padding and batched in order, each batch padded on the right to its longest
// sequence, so that short sentences cost what they are; every result is cut back to the real tokens.
//
// The passes over a data set (SentenceFeatures, WordFeatures, AttentionStats) run their batches on a
// Runner: the model itself on one goroutine or several (ModelRunner), or the browser's pool of workers,
// each with a copy of the model (wasm/lab). Each batch's step is Pass.Run, which keeps only what the
// analysis needs of the batch's hidden states or attention maps; the pass adds up what was kept in
// batch order, so its result is the same, bit for bit, wherever the batches ran.
package analysis
