// Package bertology computes what Hugging Face's run_bertology.py computes (after Michel, Levy & Neubig
// 2019, "Are Sixteen Heads Really Better than One?"): attention entropy per head, head importance from the
// gradient of the loss with respect to a head mask, the iterative masking loop, and the choice of heads to
// prune.
//
// Importance has two modes. ModePaper, the default, sums |∂loss/∂mask| batch by batch, as the paper
// describes. ModeScript reproduces the script exactly: it never zeroes the mask's gradient between batches,
// so batch k adds |g_1 + … + g_k| and the result depends on the batch size.
//
// The script's workflow is ComputeImportance, Evaluate (the metrics alone), MaskHeads and
// PruneAndCompare; the command line and the browser's lab call these and only parse and format. Each
// stops when its context.Context is cancelled and tells a progress.Func how far it has got.
//
// The model is reached through the Runner interface, so the same code runs natively, in the browser's
// worker, and against recorded reference gradients in tests.
package bertology
