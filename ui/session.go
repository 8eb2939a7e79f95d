package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vugu/vugu/js"

	"bertology/wasm/protocol"
)

// savedSession is what the page keeps of the session between visits (the browser's IndexedDB, through
// sessionStore), enough to compute it again: the model by where it came from, the input, the data
// file, and the requests that built the rest, replayed in order on reload (restore). The bytes of the
// data file and of a model opened from picked files are kept beside it, as they are (SaveData,
// SavePicked), not in its JSON.
type savedSession struct {
	Model      *savedModel                  `json:"model,omitempty"`
	Text       string                       `json:"text"`
	Pair       string                       `json:"pair"`
	Truncate   bool                         `json:"truncate"`
	DataName   string                       `json:"dataName,omitempty"` // "": no data file; its bytes are the store's (LoadData)
	DataTask   string                       `json:"dataTask,omitempty"`
	Importance *protocol.ImportanceRequest  `json:"importance,omitempty"`
	Masking    *protocol.MaskingLoopRequest `json:"masking,omitempty"`
	Prunes     [][]float32                  `json:"prunes,omitempty"`
	Mask       []float32                    `json:"mask,omitempty"`
}

// savedModel is where a model came from: a directory's URL (the default model, a bundled one, a typed
// one), a Hub id at the commit it loaded (so that the kept copy opens offline), or the files the user
// picked, kept by the store (SavePicked).
type savedModel struct {
	URL    string               `json:"url,omitempty"`
	Source string               `json:"source"`
	Hub    *protocol.HubRequest `json:"hub,omitempty"`
	Picked bool                 `json:"picked,omitempty"`
}

// sessionStore keeps the saved session (session_js.go: IndexedDB); hosts without one keep nothing.
type sessionStore interface {
	// LoadSession returns the saved session, "" when none is kept.
	LoadSession() (string, error)
	// SaveSession keeps the session; it does not block, and a failure only loses the copy.
	SaveSession(data string)
	// SaveData keeps the data file's bytes beside the session, as SaveSession does; LoadData returns
	// them (nil when none are kept).
	SaveData(data []byte)
	LoadData() ([]byte, error)
	// SavePicked keeps the model files picked in the file input element input (their bytes) beside the
	// session, as SaveSession does; LoadPicked has the lab open them again, as Host.LoadFiles does.
	SavePicked(input js.Value)
	LoadPicked(result *protocol.ModelInfo, progress func(protocol.Progress)) error
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
		s.DataName, s.DataTask = c.data.fileName, c.data.task
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
	s := c.snapshot()
	if s.DataName != "" && !sameBytes(c.keptData, c.data.fileData) {
		store.SaveData(c.data.fileData)
		c.keptData = c.data.fileData
	}
	data, err := json.Marshal(s)
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
	if s.DataName != "" {
		if err := step("the data set", func() (func(), error) {
			data, err := c.Host.(sessionStore).LoadData()
			if err == nil && data == nil {
				err = errors.New("its bytes are not kept")
			}
			if err != nil {
				return nil, err
			}
			c.update(func() { c.keptData = data })
			return c.data.read(s.DataName, data, s.DataTask)
		}); err != nil {
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
	switch {
	case m.Picked:
		store, ok := c.Host.(sessionStore)
		if !ok {
			return nil, errors.New("the picked files are not kept")
		}
		var info protocol.ModelInfo
		err := store.LoadPicked(&info, c.report)
		c.restartedBy(err)
		if err != nil {
			return nil, err
		}
	case m.Hub != nil:
		var res protocol.HubModelInfo
		if err := c.call(protocol.OpLoadHubModel, m.Hub, &res); err != nil {
			return nil, err
		}
	default:
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

// sameBytes reports whether a and b are the same bytes in memory (the data file the store keeps).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
