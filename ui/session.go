package main

import (
	"encoding/json"
	"fmt"

	"bertology/wasm/protocol"
)

// savedSession is what the page keeps of the session between visits (the browser's IndexedDB, through
// sessionStore), enough to compute it again: the model by where it came from, the input, the data
// file's bytes, and the requests that built the rest, replayed in order on reload (restore). A model
// opened from picked files is not kept: its files are the user's to pick again.
type savedSession struct {
	Model      *savedModel                  `json:"model,omitempty"`
	Text       string                       `json:"text"`
	Pair       string                       `json:"pair"`
	Truncate   bool                         `json:"truncate"`
	DataName   string                       `json:"dataName,omitempty"`
	DataBytes  []byte                       `json:"dataBytes,omitempty"`
	DataTask   string                       `json:"dataTask,omitempty"`
	Importance *protocol.ImportanceRequest  `json:"importance,omitempty"`
	Masking    *protocol.MaskingLoopRequest `json:"masking,omitempty"`
	Prunes     [][]float32                  `json:"prunes,omitempty"`
	Mask       []float32                    `json:"mask,omitempty"`
}

// savedModel is where a model came from: a directory's URL (the default model, a bundled one, a typed
// one) or a Hub id at the commit it loaded (so that the kept copy opens offline).
type savedModel struct {
	URL    string               `json:"url,omitempty"`
	Source string               `json:"source"`
	Hub    *protocol.HubRequest `json:"hub,omitempty"`
}

// sessionStore keeps the saved session (session_js.go: IndexedDB); hosts without one keep nothing.
type sessionStore interface {
	// LoadSession returns the saved session, "" when none is kept.
	LoadSession() (string, error)
	// SaveSession keeps the session; it does not block, and a failure only loses the copy.
	SaveSession(data string)
	// ClearSession forgets the saved session.
	ClearSession()
	// StartAnew forgets the saved session and reloads the page, which starts with a new lab.
	StartAnew()
}

// snapshot is the session as the page shows it now, under the lock.
func (c *Root) snapshot() *savedSession {
	s := &savedSession{Model: c.from, Text: c.text, Pair: c.pair, Truncate: c.truncate}
	if c.from == nil {
		return s
	}
	if c.data.dataset != nil {
		s.DataName, s.DataBytes, s.DataTask = c.data.fileName, c.data.fileData, c.data.task
	}
	if c.importance.result != nil {
		s.Importance = c.importance.request
		if c.pruning.maskingShown() {
			s.Masking = c.pruning.maskingRequest
		}
		s.Mask = append([]float32(nil), c.heads.mask...)
	}
	s.Prunes = c.pruning.prunes
	return s
}

// saveSession keeps the session after a job changed it, under the lock.
func (c *Root) saveSession() {
	store, ok := c.Host.(sessionStore)
	if !ok || c.restoring {
		return
	}
	data, err := json.Marshal(c.snapshot())
	if err != nil {
		return // every field encodes
	}
	store.SaveSession(string(data))
}

// NewSession forgets the saved session and starts again, with a new lab and the default model.
func (c *Root) NewSession() {
	if store, ok := c.Host.(sessionStore); ok {
		store.StartAnew()
	}
}

// restore computes the saved session again, step by step, on the job's goroutine: each step is the
// job of the button that made it. It stops at the first step that fails.
func (c *Root) restore(s *savedSession) error {
	step := func(what string, job func() (func(), error)) error {
		apply, err := job()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		c.update(apply)
		return nil
	}
	c.update(func() { c.text, c.pair, c.truncate = s.Text, s.Pair, s.Truncate })
	if err := step("the model", func() (func(), error) { return c.loadModel(s.Model) }); err != nil {
		return err
	}
	if s.DataBytes != nil {
		if err := step("the data set", func() (func(), error) { return c.data.read(s.DataName, s.DataBytes, s.DataTask) }); err != nil {
			return err
		}
	}
	if s.Importance != nil {
		if err := step("head importance", func() (func(), error) { return c.importance.compute(s.Importance) }); err != nil {
			return err
		}
	}
	if s.Masking != nil {
		if err := step("the masking loop", func() (func(), error) { return c.pruning.mask(s.Masking, c.importance.result) }); err != nil {
			return err
		}
	}
	for _, m := range s.Prunes {
		if err := step("pruning", func() (func(), error) { return c.pruning.prune(m) }); err != nil {
			return err
		}
	}
	if len(s.Mask) > 0 {
		c.update(func() {
			if len(s.Mask) == len(c.heads.mask) {
				c.heads.set(s.Mask)
				c.importance.drawHeads()
			}
		})
		return step("the input", func() (func(), error) { return c.runInput(), nil })
	}
	return nil
}

// loadModel loads a saved model, from the job's goroutine.
func (c *Root) loadModel(m *savedModel) (func(), error) {
	if m.Hub != nil {
		var res protocol.HubModelInfo
		if err := c.call(protocol.OpLoadHubModel, m.Hub, &res); err != nil {
			return nil, err
		}
	} else {
		var info protocol.ModelInfo
		if err := c.call(protocol.OpLoadModelURL, &protocol.LoadModelURLRequest{URL: m.URL}, &info); err != nil {
			return nil, err
		}
	}
	show, err := c.modelLoaded(m.Source)
	if err != nil {
		return nil, err
	}
	return func() {
		show()
		c.from = m
	}, nil
}
