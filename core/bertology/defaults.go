package bertology

// The defaults of a run_bertology.py run, declared once: the CLI's flags, the lab's requests and the page's
// fields all start from these.
const (
	// DefaultMaxSeqLength is the tokens per sequence after tokenization (run_bertology.py's
	// --max_seq_length); longer inputs are truncated.
	DefaultMaxSeqLength = 128
	// DefaultBatchSize is the sequences per batch (--batch_size).
	DefaultBatchSize = 1
	// DefaultMaskingThreshold stops the masking loop when the score falls below this fraction of the
	// unmasked score (--masking_threshold).
	DefaultMaskingThreshold = 0.9
	// DefaultMaskingAmount is the fraction of all heads masked per round (--masking_amount).
	DefaultMaskingAmount = 0.1
)
