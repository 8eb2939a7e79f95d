package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"bertology/wasm/lab"
	"bertology/wasm/protocol"
)

// memoryStore is a sessionStore in memory, as IndexedDB is to the browser's host.
type memoryStore struct {
	*labHost
	mu    sync.Mutex
	data  string
	bytes []byte // the data file's
}

func (s *memoryStore) LoadSession() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data, nil
}
func (s *memoryStore) SaveSession(d string) { s.mu.Lock(); defer s.mu.Unlock(); s.data = d }
func (s *memoryStore) ClearSession()        { s.SaveSession(""); s.SaveData(nil) }
func (s *memoryStore) SaveData(d []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bytes = append([]byte(nil), d...)
}
func (s *memoryStore) LoadData() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, nil
}
func (s *memoryStore) SavePicked(js.Value) {}
func (s *memoryStore) LoadPicked(*protocol.ModelInfo, func(protocol.Progress)) error {
	return errors.New("no picked files kept")
}
func (s *memoryStore) StartAnew() { s.ClearSession() }

// TestSessionRestored builds a session (input, data, importance, masking loop, a prune, a mask), then
// starts a new page, with a new lab, on the saved copy: it computes all of it again.
func TestSessionRestored(t *testing.T) {
	c, host := startWorkflow(t)
	store := &memoryStore{labHost: host.labHost}
	handle(c, func() {
		c.Host = store
		c.text = "a gripping , moving film"
		c.Run(event{})
	})
	waitIdle(t, c)
	handle(c, func() { c.form.RunImportance(event{}) })
	waitIdle(t, c)
	handle(c, func() {
		setField(&c.pruning.threshold, event{value: "0.5"})
		c.pruning.RunMasking(event{})
	})
	waitIdle(t, c)
	handle(c, func() { c.pruning.Prune() })
	waitIdle(t, c)
	kept := slices.Index(c.heads.pruned, false)
	handle(c, func() { c.importance.ToggleHead(kept/c.heads.heads, kept%c.heads.heads) })
	waitIdle(t, c)
	if c.err != "" || c.pruning.result == nil || store.data == "" {
		t.Fatalf("the session was not built: error %q, saved %d bytes", c.err, len(store.data))
	}
	if !bytes.Equal(store.bytes, c.data.fileData) || strings.Contains(store.data, `"dataBytes"`) {
		t.Errorf("the data file's %d bytes are kept as %d bytes beside the session, want all of them and none in its JSON %.200q", len(c.data.fileData), len(store.bytes), store.data)
	}

	again := &memoryStore{labHost: &labHost{lab: lab.New(), dirs: host.dirs}, data: store.data, bytes: store.bytes}
	r := &Root{Host: again, Env: vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 1))}
	r.Start()
	waitIdle(t, r)
	if r.err != "" {
		t.Fatalf("restoring: %s", r.err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"source", r.source, c.source},
		{"text", r.text, c.text},
		{"data set", r.data.dataset.Count, c.data.dataset.Count},
		{"importance", r.importance.importanceSVG, c.importance.importanceSVG},
		{"masking curve", r.pruning.curveSVG, c.pruning.curveSVG},
		{"pruned heads", r.heads.prunedCount(), c.heads.prunedCount()},
		{"params after pruning", r.pruning.result.ParamsAfter, c.pruning.result.ParamsAfter},
		{"tokens", r.result.Tokens, c.result.Tokens},
		{"logits", r.result.Logits.Data, c.result.Logits.Data},
	} {
		if g, w := c.got, c.want; !equalAny(g, w) {
			t.Errorf("%s: %v after restoring, want %v", c.what, g, w)
		}
	}
	if !slices.Equal(r.heads.mask, c.heads.mask) {
		t.Errorf("mask %v after restoring, want %v", r.heads.mask, c.heads.mask)
	}

	// A session that cannot be restored starts clean, saying so.
	bad := &memoryStore{labHost: &labHost{lab: lab.New(), dirs: host.dirs}, data: `{"model": {"url": "gone/", "source": "gone"}}`}
	b := &Root{Host: bad, Env: vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 1))}
	b.Start()
	waitIdle(t, b)
	if b.source != "default model" || b.err == "" || bad.data == "" || bad.data == `{"model": {"url": "gone/", "source": "gone"}}` {
		t.Errorf("bad session: source %q, error %q, kept %q", b.source, b.err, bad.data)
	}
}

func equalAny(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case []float32:
		return slices.Equal(a, b.([]float32))
	}
	return a == b
}
