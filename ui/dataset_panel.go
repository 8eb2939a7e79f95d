package main

// DatasetPanel loads the data file and starts head importance over it (dataset-panel.vugu).
type DatasetPanel struct {
	Work *Workflow
}

// taskText names the data set's task, and says whether it was detected.
func (c *DatasetPanel) taskText() string {
	d := c.Work.dataset
	s := d.TaskTitle
	if d.Split != "" {
		s += ", " + d.Split + " split"
	}
	if d.Detected {
		s += " (detected)"
	}
	return s
}

// hasPairs reports whether the data's examples are pairs of texts.
func (c *DatasetPanel) hasPairs() bool {
	for _, r := range c.Work.dataset.Preview {
		if r.TextB != "" {
			return true
		}
	}
	return false
}

// toggle follows a checkbox.
func toggle(b *bool) { *b = !*b }
