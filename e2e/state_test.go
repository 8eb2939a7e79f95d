//go:build e2e

package e2e

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
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
	// The saved session brings back the model opened last, offline.
	b.waitFor(t, "the page, its picker and the model opened last come back offline",
		fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && document.querySelectorAll("#model-picker option").length >= 2 && `+idle, bundledModels[1].source), pageState, 60*time.Second)
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

// overflowing is a JavaScript expression: the elements that reach past the window's right edge (the
// deepest ones, by their tag, id and class), or [] when the page is no wider than the window.
const overflowing = `document.documentElement.scrollWidth <= innerWidth ? [] :
	[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 &&
		![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 0.5))
	.slice(0, 8).map(e => e.tagName + (e.id ? "#" + e.id : "") + (typeof e.className == "string" && e.className ? "." + e.className.split(" ").join(".") : "") + " " + Math.round(e.getBoundingClientRect().right))`

// TestLayoutAtTwoWidths opens every panel and every analysis, with BERT and with GPT-2, at 1280 and at
// 768 pixels: nothing reaches past the window's edge. Each section is saved as
// out/screenshots/state-<section>-<width>.png.
func TestLayoutAtTwoWidths(t *testing.T) {
	dev := absPath(t, filepath.Join(goldenDir, "run_bertology", "data", "SST-2", "dev.tsv"))
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			s := startSite(t)
			b := startBrowser(t, s)
			b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
			b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
			fits := func(what string) {
				t.Helper()
				var out []string
				b.eval(t, overflowing, &out)
				if len(out) > 0 {
					t.Errorf("%s at %d px: the page is wider than the window: %s", what, width, strings.Join(out, "; "))
				}
			}
			shot := func(selector, name string) {
				t.Helper()
				b.shoot(t, selector, fmt.Sprintf("state-%s-%d", name, width))
			}
			fits("the model")
			shot(".panels", "model-input")
			shot(".views", "head-view")
			b.run(t, "uploading the SST-2 dev file", chromedp.SetUploadFiles("#dataset-file", []string{dev}))
			b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, pageState, 30*time.Second)
			click(t, b, "#run-importance")
			b.waitFor(t, "importance is drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, pageState, 60*time.Second)
			click(t, b, "#run-masking")
			b.waitFor(t, "the masking loop ends", `document.querySelector("#masking-ended") && `+idle, pageState, 60*time.Second)
			fits("the workflow")
			if width == 1280 {
				checkZipExport(t, b)
			}
			shot("#dataset-panel", "data")
			shot("#examples-panel", "examples")
			shot("#importance-panel", "importance")
			shot("#pruning-panel", "pruning")
			for _, a := range []struct{ tab, run, view string }{
				{"#tab-hidden", "#hidden-run", "#hidden-view"},
				{"#tab-rollout", "#rollout-run", "#rollout-view"},
				{"#tab-probe", "#probe-run", "#probe-view"},
				{"#tab-attnstats", "#attnstats-run", "#attnstats-view"},
			} {
				click(t, b, a.tab, a.run)
				b.waitFor(t, a.view+" is drawn", fmt.Sprintf(`document.querySelector("%s figure svg") && %s`, a.view, idle), pageState, 60*time.Second)
				fits(a.view)
				if a.view == "#rollout-view" {
					var scrolls bool
					b.eval(t, `[...document.querySelectorAll("#rollout-view .chart-svg")].some(e => e.scrollWidth > e.clientWidth + 1)`, &scrolls)
					if scrolls {
						t.Errorf("the rollout's maps at %d px do not fit their panel", width)
					}
				}
				shot(".analyses", strings.TrimSuffix(strings.TrimPrefix(a.view, "#"), "-view"))
			}
			choose(t, b, "#model-picker", "bundled:gpt2-tiny-sst2")
			click(t, b, "#open-picked")
			b.waitFor(t, "GPT-2 loads", `(document.querySelector("#model-source") || {}).textContent == "GPT-2 tiny, SST-2 sentences" && `+idle, pageState, 60*time.Second)
			for _, a := range []struct{ tab, run, view string }{
				{"#tab-lens", "#lens-run", "#lens-view"},
				{"#tab-induction", "#induction-run", "#induction-view"},
			} {
				click(t, b, a.tab, a.run)
				b.waitFor(t, a.view+" is drawn", fmt.Sprintf(`document.querySelector("%s figure svg") && %s`, a.view, idle), pageState, 120*time.Second)
				fits(a.view)
				var scrolls bool
				b.eval(t, fmt.Sprintf(`[...document.querySelectorAll("%s .chart-svg")].some(e => e.scrollWidth > e.clientWidth + 1)`, a.view), &scrolls)
				if scrolls {
					t.Errorf("%s at %d px: the chart does not fit its panel", a.view, width)
				}
				shot(".analyses", strings.TrimSuffix(strings.TrimPrefix(a.view, "#"), "-view"))
			}
			shot(".views", "model-view-gpt2")
		})
	}
}

// checkZipExport downloads the session's zip from the pruning panel: one file, with the model's
// directory, run_bertology.py's three .npy files and the report.
func checkZipExport(t *testing.T, b *browser) {
	t.Helper()
	dir := t.TempDir()
	b.run(t, "allowing downloads", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir))
	click(t, b, "#export-zip")
	data := waitForFile(t, filepath.Join(dir, "bertology-session.zip"))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{"attn_entropy.npy", "head_importance.npy", "head_mask.npy", "model/config.json", "model/model.safetensors", "model/vocab.txt", "report.json"}
	for _, w := range want {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			t.Errorf("the zip has %v, without %s", names, w)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files downloaded, want the one zip", len(entries))
	}
}

// sessionState is a JavaScript expression: what the page shows of the session, to compare before and
// after a reload.
const sessionState = `JSON.stringify({
	source: (document.querySelector("#model-source") || {}).textContent,
	heads: (document.querySelector("#model-heads") || {}).textContent,
	text: (document.querySelector("#text") || {}).value,
	dataset: (document.querySelector("#dataset-info") || {}).textContent,
	importance: (document.querySelector("figure[data-chart=head-importance] svg") || {}).outerHTML,
	masked: document.querySelectorAll("svg.head-map g.cell.masked").length,
	curve: (document.querySelector("figure[data-chart=masking-curve] svg") || {}).outerHTML,
	ended: (document.querySelector("#masking-ended") || {}).textContent,
	prune: [...document.querySelectorAll("#prune-result tr")].filter(r => !r.querySelector("#time-before")).map(r => r.textContent).join("|"),
	tokens: [...document.querySelectorAll("#tokens .token")].map(e => e.textContent).join(" "),
})`

// TestSessionRestoredOnReload builds a session (a sentence, a data set, importance, the masking loop,
// a prune), reloads the page and finds all of it back; New session then starts clean, also after
// another reload.
func TestSessionRestoredOnReload(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `(document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	b.run(t, "typing a sentence", setField("#text", "a gripping , moving film", "input"))
	click(t, b, "#run")
	b.waitFor(t, "the sentence runs", `[...document.querySelectorAll("#tokens .token")].length > 0 && document.querySelector("#tokens").textContent.includes("gripping") && `+idle, pageState, 30*time.Second)
	b.run(t, "uploading the SST-2 dev file", chromedp.SetUploadFiles("#dataset-file", []string{absPath(t, sst2Dev)}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "12" && `+idle, pageState, 30*time.Second)
	click(t, b, "#run-importance")
	b.waitFor(t, "importance is drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, pageState, 60*time.Second)
	click(t, b, "#run-masking")
	b.waitFor(t, "the masking loop ends", `document.querySelector("#masking-ended") && `+idle, pageState, 60*time.Second)
	if b.count(t, "svg.head-map g.cell.masked") == 0 {
		b.run(t, "masking a head", chromedp.Click(cellSelector("head-importance", 1, 1)))
		b.waitFor(t, "the head is masked", isMasked(1, 1)+" && "+idle, pageState, 20*time.Second)
	}
	click(t, b, "#prune")
	b.waitFor(t, "the pruning result shows", `document.querySelector("#prune-result") && `+idle, pageState, 60*time.Second)
	var before string
	b.eval(t, sessionState, &before)

	b.run(t, "reloading", chromedp.Reload())
	b.waitFor(t, "the session is back", `document.querySelector("#prune-result") && document.querySelector("#masking-ended") && `+idle, sessionState, 120*time.Second)
	var after string
	b.eval(t, sessionState, &after)
	if after != before {
		t.Errorf("after the reload the page shows\n%s\nwant\n%s", after, before)
	}
	if b.count(t, "#error") != 0 {
		t.Errorf("an error shows: %q", b.errorShown(t))
	}
	b.shoot(t, ".app", "session-restored-1280")

	click(t, b, "#new-session")
	clean := `(document.querySelector("#model-source") || {}).textContent == "default model" && !document.querySelector("#dataset-info") && !document.querySelector("#prune-result") && document.querySelector("#text").value == "the quick brown fox jumped over the lazy dog" && ` + idle
	b.waitFor(t, "a new session starts clean", clean, sessionState, 60*time.Second)
	b.run(t, "reloading", chromedp.Reload())
	b.waitFor(t, "it is still clean after a reload", clean, sessionState, 60*time.Second)
}

// TestBadSavedSession starts from a saved session that cannot be restored: the page says so and
// starts clean.
func TestBadSavedSession(t *testing.T) {
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	b.eval(t, `bertologySession.save(JSON.stringify({model: {url: "models/none/", source: "gone"}, text: "x"}))`, nil)
	b.run(t, "reloading", chromedp.Reload())
	b.waitFor(t, "the error shows and the default model loads", `document.querySelector("#error") && (document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	if got := b.errorShown(t); !strings.Contains(got, "the saved session could not be restored, so the page starts anew: the model: ") {
		t.Errorf("error %q", got)
	}
	var kept string
	b.eval(t, `bertologySession.load()`, &kept)
	if kept == "" || strings.Contains(kept, "models/none/") {
		t.Errorf("kept after the failed restore: %q", kept)
	}
}
