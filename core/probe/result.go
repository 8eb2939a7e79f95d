package probe

import "strings"

// Result is a probe's accuracy at every depth: one schema for the lab, which sends it to the page
// (js names), and the command line, which writes it as JSON (json names).
type Result struct {
	Task    string   `js:"task" json:"task"` // the GLUE task, or "tags" for a token-tag file
	Pool    string   `js:"pool" json:"pool,omitempty"`
	Samples int      `js:"samples" json:"samples"`
	Dim     int      `js:"dim" json:"dim"`
	Classes []string `js:"classes" json:"classes"`
	// Majority is the share of the most frequent class: what a probe that learnt nothing reaches.
	Majority float64 `js:"majority" json:"majority_class_share"`
	// Layers holds depth 0 (the embeddings) to the last layer.
	Layers []LayerResult `js:"layers" json:"layers"`
	// ExpectedLayer and CentreOfGravity summarise the held-out accuracies as one depth (Tenney et al.);
	// null when undefined, with the reason in Notes.
	ExpectedLayer   *float64 `js:"expectedLayer" json:"expected_layer"`
	CentreOfGravity *float64 `js:"centreOfGravity" json:"centre_of_gravity"`
	Notes           []string `js:"notes" json:"notes,omitempty"`
}

// LayerResult is the probe of one depth.
type LayerResult struct {
	Layer      int     `js:"layer" json:"layer"`
	Train      float64 `js:"train" json:"train_accuracy"`      // accuracy on the training split
	HeldOut    float64 `js:"heldOut" json:"held_out_accuracy"` // accuracy on the held-out split
	NTrain     int     `js:"nTrain" json:"n_train"`
	NHeldOut   int     `js:"nHeldOut" json:"n_held_out"`
	Loss       float64 `js:"loss" json:"loss"`
	Iterations int     `js:"iterations" json:"iterations"`
}

// SetScores fills r's layers from the scores of every depth (EvaluateLayers) and summarises them:
// ExpectedLayer and CentreOfGravity of the held-out accuracies, or, where one is undefined, a note
// saying why.
func (r *Result) SetScores(scores []Score) {
	r.Layers = make([]LayerResult, len(scores))
	for d, s := range scores {
		r.Layers[d] = LayerResult{Layer: d, Train: s.Train, HeldOut: s.HeldOut, NTrain: s.NTrain,
			NHeldOut: s.NHeldOut, Loss: s.Loss, Iterations: s.Iterations}
	}
	curve := HeldOutAccuracies(scores)
	if e, err := ExpectedLayer(curve); err == nil {
		r.ExpectedLayer = &e
	} else {
		r.Notes = append(r.Notes, note(err))
	}
	if c, err := CentreOfGravity(curve); err == nil {
		r.CentreOfGravity = &c
	} else {
		r.Notes = append(r.Notes, note(err))
	}
}

// note is why a summary is undefined, without the package's prefix.
func note(err error) string { return strings.TrimPrefix(err.Error(), "probe: ") }
