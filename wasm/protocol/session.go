package protocol

// OpSession asks what the lab holds now: the loaded model and the heads gone from its weights, the data
// set, and whether the steps that need importance can run. A caller that shows the lab's state asks
// for it after each step that changes it, rather than keeping its own account.
const OpSession = "session" // no fields → Session

// Session is the lab's state between requests.
type Session struct {
	Model *ModelInfo `js:"model"` // the loaded model; nil before one loads
	// PrunedHeads are the heads gone from the loaded model's weights, by layer in the original head
	// numbering: its config's pruned_heads, from this session's prunes and from the checkpoint itself.
	PrunedHeads map[string][]int `js:"prunedHeads"`
	// Restorable reports whether the model was pruned in this session, so that restoreModel brings
	// back the model as it was before.
	Restorable bool         `js:"restorable"`
	Dataset    *DatasetInfo `js:"dataset"` // the loaded data set; nil before one loads
	// Importance reports whether importance has run on the data set with the model (or with the model it
	// was pruned from): evaluate, maskingLoop, prune and exportNpy use what it left.
	Importance bool `js:"importance"`
}
