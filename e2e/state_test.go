//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// bundledModels are the models public/models/index.json lists, by picker value and the source the
// page then shows.
var bundledModels = []struct{ value, source string }{
	{"bundled:bert-tiny-sst2", "BERT tiny, SST-2 sentiment"},
	{"bundled:gpt2-tiny-sst2", "GPT-2 tiny, SST-2 sentences"},
}

// TestModelPicker opens each bundled model from the picker, then, with the network cut, opens one
// again from the service worker's copy.
func TestModelPicker(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads and the picker lists the bundled models",
		`(document.querySelector("#model-source") || {}).textContent == "default model" && document.querySelectorAll("#model-picker option").length >= 2 && `+idle, pageState, 60*time.Second)
	open := func(value, source string) {
		t.Helper()
		choose(t, b, "#model-picker", value)
		b.run(t, "opening "+value, chromedp.Click("#open-picked"))
		b.waitFor(t, source+" loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, source), pageState, 60*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("opening %s: an error shows: %q", value, b.errorShown(t))
		}
	}
	for _, m := range bundledModels {
		open(m.value, m.source)
	}
	b.shoot(t, ".model-panel", "picker-1280")

	b.waitFor(t, "the service worker has cached every bundled model",
		`navigator.serviceWorker.controller && caches.open("bertology").then(c => c.keys()).then(k => k.some(r => r.url.endsWith("/models/index.json")) && k.some(r => r.url.endsWith("/models/bert-tiny-sst2/model.safetensors")) && k.some(r => r.url.endsWith("/models/gpt2-tiny-sst2/merges.txt")))`,
		`caches.open("bertology").then(c => c.keys()).then(k => k.map(r => r.url))`, 30*time.Second)
	b.run(t, "cutting the network", network.EmulateNetworkConditions(true, 0, -1, -1))
	s.cut()
	b.run(t, "reloading offline", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the page and its picker come back offline",
		`(document.querySelector("#model-source") || {}).textContent == "default model" && document.querySelectorAll("#model-picker option").length >= 2 && `+idle, pageState, 60*time.Second)
	open(bundledModels[1].value, bundledModels[1].source)
	open(bundledModels[0].value, bundledModels[0].source)
}

// TestErrorsWhereTheyHappen loads a data file the lab cannot read: the error shows in the data panel,
// without the lab's internal prefixes, the whole error behind a details toggle; the next good file
// clears it.
func TestErrorsWhereTheyHappen(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("a\tb\tc\nd\te\tf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "mine.tsv")
	if err := os.WriteFile(good, []byte("a fine film\t1\nawful , awful\t0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	b.run(t, "uploading a file that fits no task", chromedp.SetUploadFiles("#dataset-file", []string{bad}))
	b.waitFor(t, "the error shows in the data panel", `document.querySelector("#dataset-panel #error") && `+idle, pageState, 30*time.Second)
	if n := b.count(t, "#error"); n != 1 {
		t.Errorf("%d error boxes, want 1", n)
	}
	short, full := b.text(t, "#dataset-panel #error .error-text"), b.errorShown(t)
	if !strings.HasPrefix(short, "bad.tsv fits no GLUE task's columns") {
		t.Errorf("error shown %q", short)
	}
	if !strings.Contains(full, "glue: bad.tsv fits no GLUE task's columns") || full == short {
		t.Errorf("error's details %q", full)
	}
	if b.count(t, "#dataset-panel #error details.error-details summary") != 1 {
		t.Error("no details toggle next to the error")
	}
	b.run(t, "opening the details", chromedp.Click("#dataset-panel #error summary"))
	var open bool
	b.eval(t, `document.querySelector("#dataset-panel #error details").open && document.querySelector("#dataset-panel #error .error-detail").getBoundingClientRect().height > 0`, &open)
	if !open {
		t.Error("the details toggle does not open")
	}
	b.shoot(t, "#dataset-panel", "dataset-error-1280")

	b.run(t, "uploading a good file", chromedp.SetUploadFiles("#dataset-file", []string{good}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "2" && `+idle, pageState, 30*time.Second)
	if b.count(t, "#error") != 0 {
		t.Errorf("the error still shows: %q", b.errorShown(t))
	}
	for sel, want := range map[string]string{
		"#dataset-task-shown": "SST-2, dev split (detected: 2 columns, labels 0/1, no header)",
		"#dataset-metric":     "accuracy",
		"#dataset-labels":     "0 (negative), 1 (positive)",
	} {
		if got := b.text(t, sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
}
