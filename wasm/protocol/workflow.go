package protocol

// The workflow of run_bertology.py, step by step: load a data set, compute head importance and attention
// entropy over it, evaluate the model with heads masked, run the iterative masking loop, prune the
// masked heads and export the pruned model and the matrices.
//
// Every matrix over heads is [layers × heads] row-major, in the model's original head numbering (a
// pruned head keeps its place). A metric that is not defined (NaN, such as a correlation of constant
// predictions) is left empty: undefined in JavaScript, null in JSON.
const (
	OpLoadDataset  = "loadDataset"  // LoadDatasetRequest → DatasetInfo
	OpImportance   = "importance"   // ImportanceRequest → ImportanceResult
	OpEvaluate     = "evaluate"     // EvaluateRequest → Evaluation
	OpMaskingLoop  = "maskingLoop"  // MaskingLoopRequest → MaskingResult
	OpPrune        = "prune"        // PruneRequest → PruneResult
	OpRestoreModel = "restoreModel" // no fields → ModelInfo of the model as it was before pruning
	OpExportModel  = "exportModel"  // ExportModelRequest → ExportedFiles
	OpExportNpy    = "exportNpy"    // ExportNpyRequest → ExportedFiles
	OpExportZip    = "exportZip"    // ExportZipRequest → ExportedFiles
)

// LoadDatasetRequest carries a data file: a GLUE-style TSV file, plain text, one example a line, or a
// CoNLL-style file of tagged words (one word and its tag a line, a blank line between sentences).
type LoadDatasetRequest struct {
	// Name is the file's name. It helps detect the GLUE task ("SST-2/dev.tsv", "dev_mismatched.tsv"),
	// and a .txt, .raw or .tokens file is read as plain text unless it holds IOB-tagged words.
	Name  string `js:"name"`
	Bytes []byte `js:"bytes"`
	// Task is the GLUE task to read the file as ("sst-2", "mnli", ...), "lm" for plain text scored by a
	// language model's loss, "ner" for tagged words scored by a token classifier, or empty to detect it.
	Task string `js:"task"`
}

// DatasetInfo describes the loaded data set.
type DatasetInfo struct {
	Name      string       `js:"name"`
	Task      string       `js:"task"`      // the GLUE task's name ("sst-2", ...), "lm" for plain text, "ner" for tagged words
	TaskTitle string       `js:"taskTitle"` // as GLUE writes it ("SST-2"), "plain text" or "tagged words"
	Detected  bool         `js:"detected"`  // the task was detected, not chosen
	Reason    string       `js:"reason"`    // why a GLUE task was detected ("2 columns, labels 0/1, no header")
	Split     string       `js:"split"`     // "train", "dev" or "test" (unlabelled); empty for plain text and tagged words
	Count     int          `js:"count"`     // examples, lines of text, or sentences of tagged words
	Labels    []string     `js:"labels"`    // the task's labels, or the tags the file uses; empty for regression and plain text
	Metric    string       `js:"metric"`    // what the task is judged by ("acc", "mcc", ...; "perplexity" for text, "f1" for tags)
	Preview   []DatasetRow `js:"preview"`   // the first examples
}

// DatasetRow is one example as the model sees it: a text or a pair, and its label ("" when unlabelled).
type DatasetRow struct {
	TextA string `js:"textA"`
	TextB string `js:"textB"`
	Label string `js:"label"`
}

// ImportanceRequest computes head importance and attention entropy over the loaded data set with the
// loaded model, as run_bertology.py's compute_heads_importance does. Its data settings (MaxSeqLength,
// BatchSize, Subset) stay for evaluate, maskingLoop and prune, which use the same batches.
type ImportanceRequest struct {
	MaxSeqLength int `js:"maxSeqLength"` // tokens per sequence; 0: 128, or the model's positions if fewer
	BatchSize    int `js:"batchSize"`    // sequences per batch; 0: 1, the script's default
	Subset       int `js:"subset"`       // use only the first Subset examples; 0: all
	// Mode is "paper" (the default: the sum of each batch's |gradient|) or "script" (run_bertology.py's
	// never-zeroed gradient, whose result depends on the batch size).
	Mode string `js:"mode"`
	// NormalizeByLayer divides each layer's importance by its L2 norm; NormalizeGlobal min-max scales
	// all heads to [0, 1]. Both default to true, as in the script.
	NormalizeByLayer *bool `js:"normalizeByLayer"`
	NormalizeGlobal  *bool `js:"normalizeGlobal"`
	// HeadMask, when not empty, masks heads while importance is computed (1 keeps a head, 0 silences it).
	HeadMask []float32 `js:"headMask"`
}

// ImportanceResult holds the importance and entropy of every head and the model's metrics on the data.
type ImportanceResult struct {
	Layers     int        `js:"layers"`
	Heads      int        `js:"heads"`
	Importance []float32  `js:"importance"` // normalised as asked
	Raw        []float32  `js:"raw"`        // Σ |∂loss/∂mask| / tokens, before normalisation
	Entropy    []float32  `js:"entropy"`    // mean attention entropy over real query tokens, in nats
	Ranks      []int32    `js:"ranks"`      // 0 = most important
	TotTokens  float64    `js:"totTokens"`  // real (unpadded) tokens seen
	Mode       string     `js:"mode"`       // "paper" or "script"
	Evaluation Evaluation `js:"evaluation"`
}

// EvaluateRequest evaluates the model on the batches of the last importance request with heads masked.
type EvaluateRequest struct {
	HeadMask []float32 `js:"headMask"` // empty keeps every head
}

// Evaluation is how well the model does on the data.
type Evaluation struct {
	// Metric names the main metric: the task's ("acc", "mcc", "corr", ...), or "perplexity" for text.
	Metric string `js:"metric"`
	// Metrics holds every metric of the task as glue_compute_metrics reports them, and "loss" (the
	// mean batch loss); for text "loss" and "perplexity".
	Metrics  map[string]*float64 `js:"metrics"`
	Examples int                 `js:"examples"`
}

// MaskingLoopRequest runs the iterative masking loop of Michel et al. on the batches of the last
// importance request: mask the least important heads, Amount of them at a time, until the metric falls
// below Threshold × its value with every head on.
type MaskingLoopRequest struct {
	Threshold float64 `js:"threshold"` // in (0, 1); 0: 0.9
	Amount    float64 `js:"amount"`    // fraction of all heads masked per round, in (0, 1]; 0: 0.1
	// Metric is the metric the loop watches; empty: the task's main metric. For text it is always
	// 1/perplexity, so that higher is better.
	Metric string `js:"metric"`
	Mode   string `js:"mode"` // importance mode for ranking the heads; empty: the last importance's
}

// MaskingResult is the masking loop's course and outcome.
type MaskingResult struct {
	Metric        string        `js:"metric"`        // what Score is: a metric's name, or "1/perplexity"
	OriginalScore *float64      `js:"originalScore"` // with every head on
	Threshold     *float64      `js:"threshold"`     // the score the loop had to stay at or above
	Rounds        []MaskingStep `js:"rounds"`        // in order; round 0, every head on, is not among them
	FinalMask     []float32     `js:"finalMask"`     // the last mask that met the threshold
	FinalScore    *float64      `js:"finalScore"`
	Ended         string        `js:"ended"` // why the loop stopped
}

// MaskingStep is one round of the masking loop.
type MaskingStep struct {
	Fraction  float64   `js:"fraction"`  // fraction of all heads masked after the round
	Remaining int       `js:"remaining"` // heads still on
	Score     *float64  `js:"score"`
	Masked    []int32   `js:"masked"` // heads masked in this round, as layer × heads + head
	Mask      []float32 `js:"mask"`   // the mask after the round
}

// PruneRequest removes heads from the model's weights: the heads HeadMask switches off (value 0), or
// the heads listed in Heads by layer ({"0": [1, 2]}, as transformers' prune_heads takes them). The
// pruned model replaces the loaded one; restoreModel brings back the model as it was before the first
// prune.
type PruneRequest struct {
	HeadMask []float32        `js:"headMask"`
	Heads    map[string][]int `js:"heads"`
}

// PruneResult compares the model with the heads masked (before) and pruned (after) on the batches of
// the last importance request.
type PruneResult struct {
	Pruned       map[string][]int `js:"pruned"` // the heads pruned now, by layer
	ParamsBefore int              `js:"paramsBefore"`
	ParamsAfter  int              `js:"paramsAfter"`
	// SecondsPerExample is the time the model took per example, masked before and pruned after;
	// the time to report progress is not counted.
	SecondsPerExampleBefore float64    `js:"secondsPerExampleBefore"`
	SecondsPerExampleAfter  float64    `js:"secondsPerExampleAfter"`
	Before                  Evaluation `js:"before"`
	After                   Evaluation `js:"after"`
	Model                   ModelInfo  `js:"model"` // the pruned model, now loaded
}

// ExportModelRequest asks for the loaded (possibly pruned) model as the files of a Hugging Face model
// directory.
type ExportModelRequest struct {
	DType string `js:"dtype"` // weights' type: "F32" (the default), "F16" or "BF16"
}

// ExportNpyRequest asks for a matrix as a NumPy .npy file, named as run_bertology.py names it: "importance"
// (head_importance.npy) and "entropy" (attn_entropy.npy) of the last importance request, or "mask"
// (head_mask.npy): HeadMask when given, else the masking loop's final mask.
type ExportNpyRequest struct {
	What     string    `js:"what"`
	HeadMask []float32 `js:"headMask"`
}

// ExportZipRequest asks for everything the session computed as one zip file (ExportZipName): the loaded
// (possibly pruned) model's directory under model/, head_importance.npy, attn_entropy.npy and
// head_mask.npy when importance has run, and report.json (ExportReport).
type ExportZipRequest struct {
	DType    string    `js:"dtype"`    // the model's weights' type, as ExportModelRequest's
	HeadMask []float32 `js:"headMask"` // the mask to save, as ExportNpyRequest's
}

// ExportZipName is the name of exportZip's one file.
const ExportZipName = "bertology-session.zip"

// ExportReport is report.json in exportZip's file: the session as the lab describes it, and what
// importance found.
type ExportReport struct {
	Session    Session     `js:"session"`
	Importance []float32   `js:"importance"` // layers × heads, row-major, as head_importance.npy
	Entropy    []float32   `js:"entropy"`
	Evaluation *Evaluation `js:"evaluation"` // with every head, as importance scored it
	HeadMask   []float32   `js:"headMask"`
}

// ExportedFiles are files by name.
type ExportedFiles struct {
	Files map[string][]byte `js:"files"`
}
