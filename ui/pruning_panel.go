package main

import "fmt"

// PruningPanel runs the masking loop and draws its curve, prunes the masked heads and exports the
// model (pruning-panel.vugu).
type PruningPanel struct {
	Work *Workflow
}

func (c *PruningPanel) endedText() string {
	m := c.Work.masking
	return fmt.Sprintf("%d rounds; %s %s with every head, %s with the final mask (%d heads masked). The loop ended because %s.",
		len(m.Rounds), m.Metric, metricValue(m.OriginalScore), metricValue(m.FinalScore), countZeros(m.FinalMask), m.Ended)
}

func (c *PruningPanel) pruneLabel() string {
	n := c.Work.maskedCount() - c.Work.prunedCount()
	switch {
	case n > 0:
		return fmt.Sprintf("Prune the %d masked %s", n, plural(n, "head"))
	case c.Work.prunedCount() > 0:
		return "Every masked head is pruned"
	}
	return "Mask heads to prune them"
}

func (c *PruningPanel) exportLabel() string {
	if c.Work.prunedCount() > 0 {
		return "Export the pruned model"
	}
	return "Export the model"
}

func countZeros(mask []float32) int {
	n := 0
	for _, v := range mask {
		if v == 0 {
			n++
		}
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
