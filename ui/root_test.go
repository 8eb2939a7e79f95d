package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"bertology/core/golden"
	"bertology/wasm/lab"
	"bertology/wasm/protocol"
)

// labHost runs the lab in-process, as the worker does in the browser, and serves model directories
// from testdata by URL.
type labHost struct {
	lab  *lab.Lab
	dirs map[string]map[string][]byte // URL → files

	mu      sync.Mutex
	saved   []string
	cancel  context.CancelFunc // of the call in flight
	restart bool               // the next call runs the lab out of memory: the worker restarts it
}

func (h *labHost) Call(op string, req, result any, progress func(protocol.Progress)) error {
	h.mu.Lock()
	restart := h.restart
	h.restart = false
	h.mu.Unlock()
	if restart {
		h.lab = lab.New()
		return &labRestarted{}
	}
	// The request travels as the browser's does: its fields beside op and id.
	_, _, fields, err := protocol.SplitRequest(protocol.NewRequest(op, 1, req))
	if err != nil {
		return err
	}
	if op == protocol.OpLoadModelURL {
		files, ok := h.dirs[req.(*protocol.LoadModelURLRequest).URL]
		if !ok {
			return errors.New("loadModelURL: 404")
		}
		tree := map[string]any{}
		for name, b := range files {
			tree[name] = b
		}
		op, fields = protocol.OpLoadModel, map[string]any{"files": tree}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.mu.Lock()
	h.cancel = cancel
	h.mu.Unlock()
	res, err := h.lab.Handle(ctx, op, fields, progress)
	if err != nil {
		return err
	}
	return protocol.Decode(protocol.Encode(res), result)
}

func (h *labHost) LoadFiles(js.Value, *protocol.ModelInfo, func(protocol.Progress)) error {
	return errors.New("file inputs exist only in the browser")
}

func (h *labHost) Cancel() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil {
		h.cancel()
	}
}

func (h *labHost) Save(name, svg string, png bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.saved = append(h.saved, name)
	return nil
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// event is a DOM event outside the browser: a target value, and preventDefault doing nothing.
type event struct {
	vugu.DOMEvent
	value string
}

func (e event) PropString(...string) string { return e.value }
func (e event) PreventDefault()             {}

// startRoot starts the page on a lab holding the golden BERT as its default model, and waits until
// it has drawn its first result.
func startRoot(t *testing.T) (*Root, *labHost) {
	bert := readDir(t, golden.Path(t, "bert", "model"))
	corrupt := map[string][]byte{}
	for name, b := range bert {
		corrupt[name] = b
	}
	corrupt["model.safetensors"] = bert["model.safetensors"][:2000]
	delete(corrupt, "pytorch_model.bin")
	host := &labHost{lab: lab.New(), dirs: map[string]map[string][]byte{defaultModelURL: bert, "corrupt/": corrupt}}
	c := &Root{Host: host, Env: vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 1))}
	c.Start()
	waitIdle(t, c)
	return c, host
}

// waitIdle waits for the page's background work to finish.
func waitIdle(t *testing.T, c *Root) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.Env.RLock()
		busy := c.busy
		c.Env.RUnlock()
		if busy == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %q", busy)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// handle calls an event handler with the lock held, as Vugu does.
func handle(c *Root, f func()) {
	c.Env.Lock()
	f()
	c.Env.UnlockRender()
}

func TestRootShowsTheDefaultModel(t *testing.T) {
	c, _ := startRoot(t)
	if c.err != "" {
		t.Fatalf("error shown: %s", c.err)
	}
	if c.info == nil || c.info.Layers != 3 || c.info.Heads != 4 || c.source != "default model" {
		t.Fatalf("model %+v from %q", c.info, c.source)
	}
	n := len(c.result.Tokens) // [CLS] the quick brown fox jump ##ed over the lazy dog [SEP]
	if n != 12 {
		t.Fatalf("tokens %q", c.result.Tokens)
	}
	if got, want := strings.Count(c.headSVG, "<line "), 4*n*n; got != want {
		t.Errorf("head view: %d lines, want heads × tokens² = %d", got, want)
	}
	if got, want := strings.Count(c.modelSVG, `<g class="thumb"`), 3*4; got != want {
		t.Errorf("model view: %d maps, want layers × heads = %d", got, want)
	}
	if !strings.Contains(c.barsSVG, "LABEL_1") {
		t.Errorf("no prediction chart: %q", c.barsSVG)
	}
}

// TestRootLabRestarted checks that when the lab runs out of memory and its worker restarts it, the page
// says so and forgets the model, which loads again.
func TestRootLabRestarted(t *testing.T) {
	c, host := startRoot(t)
	host.mu.Lock()
	host.restart = true
	host.mu.Unlock()
	handle(c, func() { c.Run(event{}) })
	waitIdle(t, c)
	if !strings.Contains(c.err, "the model ran out of memory; the worker restarted") || c.info != nil || c.result != nil || c.headSVG != "" {
		t.Fatalf("after the restart: error %q, model %+v, result %v", c.err, c.info, c.result != nil)
	}
	handle(c, func() {
		c.SetURL(event{value: defaultModelURL})
		c.LoadURL(event{})
	})
	waitIdle(t, c)
	if c.err != "" || c.info == nil || c.result == nil {
		t.Errorf("loading again: error %q, model %+v", c.err, c.info)
	}
}

func TestRootHeadViewControls(t *testing.T) {
	c, _ := startRoot(t)
	n := len(c.result.Tokens)
	lines := func() int { return strings.Count(c.headSVG, "<line ") }
	handle(c, func() { c.ToggleHead(1) })
	if got := lines(); got != 3*n*n {
		t.Errorf("head 1 off: %d lines, want %d", got, 3*n*n)
	}
	handle(c, func() { c.SetLayer(event{value: "2"}) })
	if c.layer != 2 || !strings.Contains(c.headSVG, ">Layer 2<") || lines() != 3*n*n {
		t.Errorf("layer 2: layer %d, %d lines", c.layer, lines())
	}
	handle(c, func() { c.SetLayer(event{value: "7"}) }) // no such layer: ignored
	if c.layer != 2 {
		t.Errorf("layer %d after choosing a layer that does not exist", c.layer)
	}
	handle(c, func() { c.SelectAllHeads(false) })
	if lines() != 0 {
		t.Errorf("no heads: %d lines", lines())
	}
	handle(c, func() { c.SelectAllHeads(true) })
	if lines() != 4*n*n {
		t.Errorf("all heads: %d lines", lines())
	}
}

func TestRootRunsNewText(t *testing.T) {
	c, _ := startRoot(t)
	handle(c, func() {
		c.SetText(event{value: "hello world"})
		c.SetPair(event{value: "this movie is great"})
		c.Run(event{})
	})
	waitIdle(t, c)
	want := "[CLS] hello world [SEP] this movie is great [SEP]"
	if got := strings.Join(c.result.Tokens, " "); got != want || c.err != "" {
		t.Fatalf("tokens %q (error %q), want %q", got, c.err, want)
	}
	if got, n := strings.Count(c.headSVG, "<line "), len(c.result.Tokens); got != 4*n*n {
		t.Errorf("head view not redrawn: %d lines", got)
	}
}

func TestRootErrors(t *testing.T) {
	c, _ := startRoot(t)
	before := c.result

	handle(c, func() { c.SetURL(event{value: "corrupt/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if !strings.HasPrefix(c.err, "loadModel: model.safetensors: ") {
		t.Errorf("corrupted weights: error %q", c.err)
	}
	if c.source != "default model" || c.result != before {
		t.Errorf("after a failed load the page shows %q and another result", c.source)
	}

	handle(c, func() { c.SetURL(event{value: " "}); c.LoadURL(event{}) })
	if !strings.Contains(c.err, "type the URL") {
		t.Errorf("empty URL: error %q", c.err)
	}

	// A long input is truncated to the model's maximum by default; without truncation it is an error,
	// and the last input's views and bars go.
	handle(c, func() { c.SetText(event{value: strings.Repeat("fox ", 100)}); c.Run(event{}) })
	waitIdle(t, c)
	if got, max := c.tokenCount(), c.info.MaxPositions; c.err != "" || got != max || c.truncatedText() != fmt.Sprintf("truncated to %d tokens", max) {
		t.Errorf("truncated long input: error %q, %d tokens (%q), want %d", c.err, got, c.truncatedText(), max)
	}
	handle(c, func() { toggle(&c.truncate); c.Run(event{}) })
	waitIdle(t, c)
	if !strings.HasPrefix(c.err, "forward: ") || c.result != nil || c.headSVG != "" || c.barsSVG != "" {
		t.Errorf("too long an input: error %q, result %v, bars %v", c.err, c.result != nil, c.barsSVG != "")
	}

	// A good request afterwards clears the error.
	handle(c, func() { c.SetText(event{value: "hello"}); c.Run(event{}) })
	waitIdle(t, c)
	if c.err != "" || c.result == nil || c.headSVG == "" {
		t.Errorf("after recovering: error %q", c.err)
	}
}

func TestRootSavesCharts(t *testing.T) {
	c, host := startRoot(t)
	handle(c, func() { c.SaveChart("head-view", c.headSVG, true) })
	deadline := time.Now().Add(5 * time.Second)
	for {
		host.mu.Lock()
		saved := host.saved
		host.mu.Unlock()
		if len(saved) == 1 && saved[0] == "head-view" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing saved")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
