package main

// ImportancePanel shows head importance and attention entropy as heatmaps whose cells mask their head
// when clicked, with the metric under the mask (importance-panel.vugu).
type ImportancePanel struct {
	Work *Workflow
}
