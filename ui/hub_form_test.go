package main

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"bertology/core/golden"
	"bertology/core/hub/hubtest"
	"bertology/wasm/protocol"
)

// mapStore keeps the lab's models in memory, as the browser's Cache Storage does on disk.
type mapStore struct {
	mu      sync.Mutex
	entries map[string][]byte
}

func (s *mapStore) Put(key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = data
	return nil
}

func (s *mapStore) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.entries[key]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
}

func (s *mapStore) Keys() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Keys(s.entries)), nil
}

func (s *mapStore) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
	return nil
}

// settingsHost is the test's host with settings that last, as the browser's localStorage.
type settingsHost struct {
	*labHost
	values map[string]string
}

func (h *settingsHost) Setting(name string) string    { return h.values[name] }
func (h *settingsHost) SetSetting(name, value string) { h.values[name] = value }

// TestHubForm loads a model from a Hub by its id, with the endpoint setting pointed at a mirror, keeps
// it, opens it again from the kept copy without asking the Hub, and deletes it.
func TestHubForm(t *testing.T) {
	c, host := startRoot(t)
	if len(c.hub.kept) != 0 || c.hub.unavailable != "this host keeps no models" {
		t.Fatalf("kept models %+v (%q) before any is kept", c.hub.kept, c.hub.unavailable)
	}
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: readDir(t, golden.Path(t, "bert", "model"))})
	commit := srv.Commit("org/bert-tiny", "")
	store := &mapStore{entries: map[string][]byte{}}
	host.lab.KeepIn(store)

	handle(c, func() { c.hub.Load(event{}) })
	if !strings.Contains(c.err, "type the id of a model") {
		t.Errorf("no id: error %q", c.err)
	}
	handle(c, func() {
		c.hub.SetEndpoint(event{value: srv.URL})
		c.hub.SetModel(event{value: " org/none "})
		c.hub.Load(event{})
	})
	waitIdle(t, c)
	if !strings.Contains(c.err, "RepoNotFound") || c.source != "default model" {
		t.Errorf("no such repository: error %q, model %q", c.err, c.source)
	}

	handle(c, func() { c.hub.SetModel(event{value: "org/bert-tiny"}); c.hub.Load(event{}) })
	waitIdle(t, c)
	if want := "org/bert-tiny, main at " + commit[:7] + ", from " + srv.URL; c.err != "" || c.source != want {
		t.Fatalf("loaded %q (error %q), want %q", c.source, c.err, want)
	}
	if c.info.Layers != 3 || c.info.Heads != 4 || c.result == nil || len(c.result.Tokens) != 12 {
		t.Errorf("model %+v, result %v", c.info, c.result)
	}
	if len(c.hub.kept) != 1 || c.hub.kept[0].Commit != commit || c.hub.unavailable != "" || c.hub.keepError != "" {
		t.Fatalf("kept %+v (%q, %q), want the model loaded", c.hub.kept, c.hub.unavailable, c.hub.keepError)
	}
	if got, want := keptText(c.hub.kept[0]), "main at "+commit[:7]+", "+byteSize(c.hub.kept[0].Bytes)+", from "+srv.URL; got != want {
		t.Errorf("kept model shown as %q, want %q", got, want)
	}

	before := len(srv.Requests())
	handle(c, func() { c.hub.Open(c.hub.kept[0]) })
	waitIdle(t, c)
	if want := "org/bert-tiny, main at " + commit[:7] + ", the kept copy, from " + srv.URL; c.err != "" || c.source != want {
		t.Errorf("opened %q (error %q), want %q", c.source, c.err, want)
	}
	if n := len(srv.Requests()); n != before {
		t.Errorf("opening the kept copy asked the Hub %d times", n-before)
	}

	handle(c, func() { c.hub.Delete(c.hub.kept[0]) })
	waitIdle(t, c)
	if len(c.hub.kept) != 0 || c.err != "" || len(store.entries) != 0 {
		t.Errorf("after deleting: kept %+v, error %q, %d entries in the store", c.hub.kept, c.err, len(store.entries))
	}
}

// TestHubEndpointSetting keeps the endpoint between visits where the host has settings.
func TestHubEndpointSetting(t *testing.T) {
	host := &settingsHost{labHost: &labHost{}, values: map[string]string{}}
	c := &Root{Host: host}
	c.startPanels()
	c.hub.SetEndpoint(event{value: " https://hf-mirror.example/ "})
	if got := host.values[endpointSetting]; got != "https://hf-mirror.example/" {
		t.Errorf("setting %q", got)
	}
	next := &Root{Host: host}
	next.startPanels()
	if next.hub.endpoint != "https://hf-mirror.example/" {
		t.Errorf("the next visit's endpoint is %q", next.hub.endpoint)
	}
}

func TestProgressTextOfBytes(t *testing.T) {
	c := &Root{busy: "Loading org/m from the Hub", progress: &protocol.Progress{Phase: "model.safetensors", Done: 62_000, Total: 17_400_000, Unit: "bytes"}}
	if got, want := c.progressText(), "Loading org/m from the Hub: model.safetensors, 62 kB of 17.4 MB, 0%"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	for n, want := range map[int]string{950: "950 B", 140_000: "140 kB", 1_234_567_890: "1.23 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHubSource(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	m := protocol.HubModel{Endpoint: "https://huggingface.co", ID: "org/m", Revision: "main", Commit: commit, Bytes: 17_400_000}
	atCommit := m
	atCommit.Revision = commit
	for _, tc := range []struct {
		res  protocol.HubModelInfo
		want string
	}{
		{protocol.HubModelInfo{Hub: m}, "org/m, main at 0123456, from https://huggingface.co"},
		{protocol.HubModelInfo{Hub: m, FromKept: true}, "org/m, main at 0123456, the kept copy, from https://huggingface.co"},
		{protocol.HubModelInfo{Hub: atCommit}, "org/m at 0123456, from https://huggingface.co"},
	} {
		if got := hubSource(&tc.res); got != tc.want {
			t.Errorf("hubSource(%+v) = %q, want %q", tc.res, got, tc.want)
		}
	}
	if got, want := keptText(atCommit), "0123456, 17.4 MB, from https://huggingface.co"; got != want {
		t.Errorf("keptText = %q, want %q", got, want)
	}
}
