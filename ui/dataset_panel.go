package main

import (
	"slices"
	"strings"

	"github.com/vugu/vugu"

	"bertology/core/glue"
	"bertology/wasm/protocol"
)

// DatasetPanel loads the data file that head importance, masking and pruning run over, and shows what
// the lab read from it (dataset-panel.vugu). The importance form sits in it, below the data.
type DatasetPanel struct {
	Page  page
	Files files
	Form  *ImportanceForm

	// The file, kept to read it again as another task, and what the lab read from it.
	fileName string
	fileData []byte
	task     string // the task chosen, or "" to detect it
	dataset  *protocol.DatasetInfo
}

// PickDataset loads the data file picked in the file input.
func (c *DatasetPanel) PickDataset(event vugu.DOMEvent) {
	input := event.JSEventTarget()
	if input.Get("files").Length() == 0 {
		return // the picker was closed without a choice
	}
	c.Page.do("Reading the data file", func() (func(), error) {
		name, data, err := c.Files.readFile(input)
		input.Set("value", "") // picking the same file again reads it again
		if err != nil {
			return nil, err
		}
		return c.read(name, data, "")
	})
}

// LoadDataset loads a data file as the named task ("" detects it, "lm" is plain text, "ner" tagged
// words).
func (c *DatasetPanel) LoadDataset(name string, data []byte, task string) {
	c.Page.do("Reading "+name, func() (func(), error) { return c.read(name, data, task) })
}

// read sends a data file to the lab; it runs on the job's goroutine. The lab drops what was computed
// on the data before, and the input runs again if that takes heads off the mask.
func (c *DatasetPanel) read(name string, data []byte, task string) (func(), error) {
	var info protocol.DatasetInfo
	show, err := c.Page.change(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: name, Bytes: data, Task: task}, &info)
	if err != nil {
		return nil, err
	}
	return func() {
		c.fileName, c.fileData, c.task, c.dataset = name, data, task, &info
		show()
	}, nil
}

// ChooseTask reads the data file again as the task chosen in the task selector.
func (c *DatasetPanel) ChooseTask(event vugu.DOMEvent) {
	task := event.PropString("target", "value")
	if c.fileData == nil || task == c.task {
		return
	}
	c.LoadDataset(c.fileName, c.fileData, task)
}

// loaded reports whether a data set is loaded.
func (c *DatasetPanel) loaded() bool { return c.dataset != nil }

// needed is why a control that works on the data set cannot apply yet (whyNot), or "".
func (c *DatasetPanel) needed() string {
	return whyNot(reason{!c.loaded(), "Load a data set first (the Data panel's file)."})
}

// taskChoice is one entry of the task selector.
type taskChoice struct{ name, title string }

// taskChoices are the tasks a data file can be read as.
func taskChoices() []taskChoice {
	choices := []taskChoice{{"", "detect"}}
	for _, t := range glue.Tasks() {
		choices = append(choices, taskChoice{t.Name, t.Title})
	}
	return append(choices, taskChoice{"lm", "plain text (language model)"}, taskChoice{"ner", "tagged words (token classifier)"})
}

// taskText names the data set's task, and says whether it was detected.
func (c *DatasetPanel) taskText() string {
	d := c.dataset
	s := d.TaskTitle
	if d.Split != "" {
		s += ", " + d.Split + " split"
	}
	if d.Detected && d.Reason != "" {
		s += " (detected: " + d.Reason + ")"
	} else if d.Detected {
		s += " (detected)"
	}
	return s
}

// previewChars is how much of a text a preview row shows.
const previewChars = 120

// labelName is a label of the data with the class name the model (id2label) or else the task gives
// it: "1 (positive)".
func (c *DatasetPanel) labelName(label string) string {
	i := slices.Index(c.dataset.Labels, label)
	if i < 0 {
		return label
	}
	var names []string
	if m := c.Page.model(); m != nil && len(m.Labels) == len(c.dataset.Labels) && m.Labels[0] != "LABEL_0" {
		names = m.Labels
	} else if t, err := glue.LookupTask(c.dataset.Task); err == nil && len(t.Names) == len(c.dataset.Labels) {
		names = t.Names
	}
	if names == nil || names[i] == label {
		return label
	}
	return label + " (" + names[i] + ")"
}

// labelsText lists the data's labels with their class names.
func (c *DatasetPanel) labelsText() string {
	var out []string
	for _, l := range c.dataset.Labels {
		out = append(out, c.labelName(l))
	}
	return strings.Join(out, ", ")
}

// hasPairs reports whether the data's examples are pairs of texts.
func (c *DatasetPanel) hasPairs() bool {
	for _, r := range c.dataset.Preview {
		if r.TextB != "" {
			return true
		}
	}
	return false
}
