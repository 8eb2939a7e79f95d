package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vugu/vugu"

	"bertology/wasm/protocol"
)

// bundledIndex lists the models served with the site (public/models/index.json), which the service
// worker keeps for offline use with their files.
const bundledIndex = "models/index.json"

// bundledModel is one model of bundledIndex.
type bundledModel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Path string `json:"path"` // the model directory, relative to the page
	Task string `json:"task"` // what it does, in words
	Card string `json:"card"` // its model card (README.md)
}

// siteFiles reads a file of the site by its path (the browser's fetch); the hosts that cannot leave
// the picker with the kept models only.
type siteFiles interface {
	SiteFile(path string) ([]byte, error)
}

// readBundled reads bundledIndex.
func readBundled(data []byte) ([]bundledModel, error) {
	var index struct {
		Models []bundledModel `json:"models"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("%s: %w", bundledIndex, err)
	}
	for i, m := range index.Models {
		if m.ID == "" || m.Path == "" {
			return nil, fmt.Errorf("%s: model %d has no id or no path", bundledIndex, i+1)
		}
	}
	return index.Models, nil
}

// listBundled reads the bundled models from a job's goroutine; the function it returns shows them.
func (c *Root) listBundled() func() {
	site, ok := c.Host.(siteFiles)
	if !ok {
		return func() {}
	}
	data, err := site.SiteFile(bundledIndex)
	var models []bundledModel
	if err == nil {
		models, err = readBundled(data)
	}
	return func() {
		c.bundled, c.bundledError = models, ""
		if err != nil {
			c.bundledError = "The models served with the page could not be listed: " + err.Error()
		}
	}
}

// The picker's values: a bundled model by its id, a kept one by its id and commit.
const (
	pickBundled = "bundled:"
	pickKept    = "kept:"
)

func keptPick(m protocol.HubModel) string { return pickKept + m.ID + "@" + m.Commit }

// pickedValue is the picker's choice: the one picked, or else the first model it lists.
func (c *Root) pickedValue() string {
	if c.picked != "" {
		return c.picked
	}
	if len(c.bundled) > 0 {
		return pickBundled + c.bundled[0].ID
	}
	if len(c.hub.kept) > 0 {
		return keptPick(c.hub.kept[0])
	}
	return ""
}

// Pick follows the model picker.
func (c *Root) Pick(event vugu.DOMEvent) { c.picked = event.PropString("target", "value") }

// OpenPicked opens the model chosen in the picker: a bundled model by its directory, as the URL field
// would, or a kept one as the Hub form does.
func (c *Root) OpenPicked() {
	v := c.pickedValue()
	if id, ok := strings.CutPrefix(v, pickBundled); ok {
		for _, m := range c.bundled {
			if m.ID == id {
				c.loadURL(m.Path, m.Name)
				return
			}
		}
	}
	for _, m := range c.hub.kept {
		if keptPick(m) == v {
			c.hub.Open(m)
			return
		}
	}
	c.fail("pick a model first")
}
