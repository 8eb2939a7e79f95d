package protocol

// OpExamples evaluates the model on every example of the loaded GLUE data set and answers each one's
// prediction: the rows of the page's table of examples (as LIT's data table) and its confusion matrix.
const OpExamples = "examples" // ExamplesRequest → ExamplesResult

// ExamplesRequest encodes the loaded data set as ImportanceRequest does and evaluates the model on it
// once, with heads masked as HeadMask says (empty keeps every head), on the pool of workers.
type ExamplesRequest struct {
	MaxSeqLength int       `js:"maxSeqLength"` // tokens per sequence; 0: 128, or the model's positions if fewer
	BatchSize    int       `js:"batchSize"`    // sequences per batch; 0: 1
	Subset       int       `js:"subset"`       // use only the first Subset examples; 0: all
	HeadMask     []float32 `js:"headMask"`
}

// ExamplesResult is one evaluation pass over the data set, example by example.
type ExamplesResult struct {
	Task       string `js:"task"`      // the GLUE task ("sst-2", "sts-b", ...)
	TaskTitle  string `js:"taskTitle"` // as GLUE writes it
	Regression bool   `js:"regression"`
	// Classes names the classes by id (the model's id2label); empty for a regression task.
	Classes []string     `js:"classes"`
	Rows    []ExampleRow `js:"rows"` // in the file's order
	// Confusion counts the examples by class, Confusion[label][predicted]; empty for regression.
	Confusion [][]int `js:"confusion"`
	// Evaluation is the task's metrics over the same pass: accuracy is the share of correct rows.
	Evaluation Evaluation `js:"evaluation"`
}

// ExampleRow is one example with the model's answer. A classification task fills Label, Predicted,
// Confidence (the softmax probability of Predicted) and Correct; a regression task Target, Score and
// Error (Score − Target), and leaves Label and Predicted at -1. The fields of the other kind are 0.
type ExampleRow struct {
	TextA      string  `js:"textA"`
	TextB      string  `js:"textB"`
	Label      int     `js:"label"`
	Predicted  int     `js:"predicted"`
	Confidence float64 `js:"confidence"`
	Correct    bool    `js:"correct"`
	Target     float64 `js:"target"`
	Score      float64 `js:"score"`
	Error      float64 `js:"error"`
}
