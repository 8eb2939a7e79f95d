//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gpt2Files are the files of the bundled GPT-2 a user picks.
var gpt2Files = []string{"config.json", "merges.txt", "model.safetensors", "vocab.json"}

// keptState is what TestPickedModelRestored compares before and after the reload.
const keptState = `JSON.stringify({
	source: (document.querySelector("#model-source") || {}).textContent,
	shape: (document.querySelector("#model-shape") || {}).textContent,
	text: (document.querySelector("#text") || {}).value,
	tokens: [...document.querySelectorAll("#tokens .token")].map(e => e.textContent).join(" "),
	head: (document.querySelector("figure[data-chart=head-view] svg") || {}).outerHTML,
	dataset: (document.querySelector("#dataset-info") || {}).textContent,
	status: (document.querySelector("#status") || {}).textContent,
	error: (document.querySelector("#error") || {}).textContent,
})`

// TestPickedModelRestored picks a model's files from a folder of the user's, runs a sentence on it with a
// data file, deletes the folder and reloads: the saved session opens the same model from the bytes kept
// in IndexedDB, with the sentence's views and the data set. New session then starts clean.
func TestPickedModelRestored(t *testing.T) {
	dir := t.TempDir()
	for _, n := range append([]string{"dev.tsv"}, gpt2Files...) {
		from := filepath.Join(siteDir, "models", "gpt2-tiny-sst2", n)
		if n == "dev.tsv" {
			from = sst2Dev
		}
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `(document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	b.run(t, "picking GPT-2's files", chromedp.SetUploadFiles("#files", modelPaths(dir, gpt2Files...)))
	source := strings.Join(gpt2Files, ", ")
	b.waitFor(t, "the picked model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, source), pageState, 60*time.Second)
	b.run(t, "typing a sentence", setField("#text", "a gripping , moving film", "input"))
	click(t, b, "#run")
	b.waitFor(t, "the sentence runs", `document.querySelector("#tokens").textContent.includes("gripping") && `+idle, pageState, 30*time.Second)
	b.run(t, "uploading the data file", chromedp.SetUploadFiles("#dataset-file", []string{filepath.Join(dir, "dev.tsv")}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, pageState, 30*time.Second)
	var before string
	b.eval(t, keptState, &before)
	var kept string
	b.eval(t, `bertologySession.loadPicked().then(fs => fs.map(f => f.name + ":" + (f.blob instanceof Blob) + ":" + f.blob.size).join(" ")).then(p => bertologySession.loadData().then(d => p + " data:" + (d instanceof ArrayBuffer) + ":" + d.byteLength))`, &kept)
	want := ""
	for _, n := range gpt2Files {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		want += fmt.Sprintf("%s:true:%d ", n, fi.Size())
	}
	dev, _ := os.Stat(sst2Dev)
	if want += fmt.Sprintf("data:true:%d", dev.Size()); kept != want {
		t.Errorf("IndexedDB keeps %q, want %q", kept, want)
	}
	var saved string
	b.eval(t, `bertologySession.load()`, &saved)
	if strings.Contains(saved, "dataBytes") || !strings.Contains(saved, `"picked":true`) {
		t.Errorf("the saved session's JSON %.300q: want the picked model named, and no bytes", saved)
	}

	// The user's folder is gone: only the kept bytes can open the model again.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	b.run(t, "reloading", chromedp.Reload())
	b.waitFor(t, "the picked model, the sentence and the data set are back", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && (document.querySelector("#dataset-count") || {}).textContent == "12" && document.querySelector("#tokens") && `+idle, source), keptState, 60*time.Second)
	var after string
	b.eval(t, keptState, &after)
	if after != before {
		t.Errorf("after the reload the page shows\n%.600s\nwant\n%.600s", after, before)
	}
	b.shoot(t, ".app", "picked-restored-1280")
	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 900))
	b.shoot(t, ".model-panel", "picked-restored-768")
	b.run(t, "widening the window", chromedp.EmulateViewport(1280, 900))

	click(t, b, "#new-session")
	clean := `(document.querySelector("#model-source") || {}).textContent == "default model" && !document.querySelector("#dataset-info") && ` + idle
	b.waitFor(t, "a new session starts clean", clean, keptState, 60*time.Second)
	var left string
	b.eval(t, `Promise.all([bertologySession.loadPicked(), bertologySession.loadData()]).then(([p, d]) => String(p) + " " + String(d))`, &left)
	if left != "null null" {
		t.Errorf("after New session IndexedDB keeps %q", left)
	}
	b.run(t, "reloading", chromedp.Reload())
	b.waitFor(t, "it is still clean after a reload", clean, keptState, 60*time.Second)
}

// TestURLFieldRelative types a model directory's address relative to the page, in each form, and
// another site's: each loads (a type=url field used to refuse the relative ones without a word).
func TestURLFieldRelative(t *testing.T) {
	s := startSite(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.StripPrefix("/m/", http.FileServer(http.Dir(filepath.Join(siteDir, "models", "gpt2-tiny-sst2")))).ServeHTTP(w, r)
	}))
	t.Cleanup(other.Close)
	s.mu.Lock()
	s.hubs[strings.TrimPrefix(other.URL, "http://")] = other.Config.Handler
	s.mu.Unlock()
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `(document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	for _, typed := range []string{"models/gpt2-tiny-sst2/", "./models/bert-tiny-sst2", "/models/gpt2-tiny-sst2/", other.URL + "/m/"} {
		b.run(t, "typing "+typed, setField("#url", typed, "input"))
		click(t, b, "#load-url")
		b.waitFor(t, typed+" loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, typed), pageState, 60*time.Second)
		if b.count(t, "#error") != 0 {
			t.Errorf("%s: an error shows: %q", typed, b.errorShown(t))
		}
	}
	var saved string
	b.eval(t, `bertologySession.load()`, &saved)
	if !strings.Contains(saved, fmt.Sprintf(`"url":%q`, other.URL+"/m/")) {
		t.Errorf("another site's address is kept as %.300q, want it as typed", saved)
	}
	b.run(t, "typing an address that is not http", setField("#url", "file:///etc/", "input"))
	click(t, b, "#load-url")
	b.waitFor(t, "it is refused, saying why", `document.querySelector("#error") && `+idle, pageState, 10*time.Second)
	if got := b.text(t, "#error"); !strings.Contains(got, "want an http or https address") {
		t.Errorf("error %q", got)
	}
}

// TestDisabledWithReason checks controls that cannot apply: each is disabled, with why in its title
// and beside it, until what it needs is there; the status bar keeps its height as a job starts.
func TestDisabledWithReason(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `(document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	if got := strings.TrimSpace(b.text(t, "#status")); got != "Ready" {
		t.Errorf("idle, the status bar says %q, want Ready", got)
	}
	why := func(sel, want string) {
		t.Helper()
		var got struct {
			Disabled bool   `json:"disabled"`
			Title    string `json:"title"`
			Note     string `json:"note"`
		}
		b.eval(t, fmt.Sprintf(`(e => ({disabled: e.disabled, title: e.title, note: ((e.closest("label") || e).parentElement.querySelector(".why") || {}).textContent || ""}))(document.querySelector(%q))`, sel), &got)
		if want == "" {
			if got.Disabled || got.Title != "" || got.Note != "" {
				t.Errorf("%s: disabled %v, title %q, note %q; want it enabled, without a reason", sel, got.Disabled, got.Title, got.Note)
			}
			return
		}
		if !got.Disabled || !strings.Contains(got.Title, want) || got.Note != got.Title {
			t.Errorf("%s: disabled %v, title %q, note %q; want disabled, saying %q", sel, got.Disabled, got.Title, got.Note, want)
		}
	}
	why("#run-importance", "Load a data set first")
	why("#pairs", "needs a second sentence")
	b.shoot(t, "#head-view", "disabled-pairs-1280")
	click(t, b, "#tab-lens")
	why("#lens-run", "The logit lens needs a language-model head")
	b.shoot(t, "section.analyses", "disabled-lens-1280")
	if got := b.text(t, "#analyses-why"); !strings.Contains(got, "Induction heads: Induction heads are found in causal language models") {
		t.Errorf("beside the tabs: %q, want why the induction tab is disabled", got)
	}

	b.run(t, "typing a second sentence", setField("#pair", "it was fun", "input"))
	click(t, b, "#run")
	b.waitFor(t, "the pair runs", `document.querySelector("#tokens").textContent.includes("fun") && `+idle, pageState, 30*time.Second)
	why("#pairs", "")
	b.run(t, "uploading the SST-2 dev file", chromedp.SetUploadFiles("#dataset-file", []string{absPath(t, sst2Dev)}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, pageState, 30*time.Second)
	why("#run-importance", "")
	// The status bar's height, recorded at each change from here on.
	b.eval(t, `(() => { const s = document.querySelector("#status"); window.statusHeights = [s.getBoundingClientRect().height];
		new MutationObserver(() => window.statusHeights.push(s.getBoundingClientRect().height)).observe(s, {attributes: true, childList: true, subtree: true, characterData: true}); })()`, nil)
	click(t, b, "#run-importance")
	b.waitFor(t, "importance is drawn", `document.querySelectorAll("svg.head-map").length > 0 && `+idle, pageState, 60*time.Second)
	why("#prune", "Mask heads first")
	var heights []float64
	b.eval(t, `window.statusHeights`, &heights)
	for _, h := range heights {
		if h != heights[0] {
			t.Errorf("the status bar's height went %v as the job ran, want it kept", heights)
			break
		}
	}
	if len(heights) < 2 {
		t.Errorf("status bar heights %v: the job did not show in it", heights)
	}
	b.shoot(t, "#pruning-panel", "disabled-prune-1280")
	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 900))
	b.shoot(t, "#pruning-panel", "disabled-prune-768")
	b.shoot(t, "section.analyses", "disabled-lens-768")
	b.shoot(t, "#head-view", "disabled-pairs-768")
	b.shoot(t, ".app", "status-ready-768")
	b.run(t, "widening the window", chromedp.EmulateViewport(1280, 900))
	b.shoot(t, ".app", "status-ready-1280")
}
