//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"bertology/core/checkpoint"
	"bertology/core/hub/hubtest"
)

// mockHub is a Hugging Face Hub for the page: core/hub/hubtest (the Hub's URL scheme
// /{id}/resolve/{revision}/{file}, weight files redirected to /blobs/{sha256}, ETags, X-Repo-Commit,
// 404s and CORS headers) on an origin of its own, which the site's proxy lets the browser reach. Its
// blobs come in pieces, delay apart, so that a test sees a download's progress and can cancel it.
type mockHub struct {
	*hubtest.Server
	delay atomic.Int64 // a time.Duration
}

// blobPiece is how much of a blob the mock Hub sends at a time.
const blobPiece = 8 << 10

// startHub starts a mock Hub holding repos, which the browser reaches through the site's proxy.
func (s *site) startHub(t testing.TB, repos ...hubtest.Repo) *mockHub {
	t.Helper()
	h := &mockHub{Server: hubtest.NewServer(t, repos...)}
	u, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := time.Duration(h.delay.Load()); d > 0 && strings.HasPrefix(r.URL.Path, "/blobs/") {
			w = &slowWriter{ResponseWriter: w, ctx: r.Context(), delay: d}
		}
		h.Config.Handler.ServeHTTP(w, r)
	})
	s.mu.Lock()
	s.hubs[u.Host] = slow
	s.mu.Unlock()
	return h
}

// slowWriter writes a body blobPiece bytes at a time, delay apart.
type slowWriter struct {
	http.ResponseWriter
	ctx   context.Context
	delay time.Duration
}

func (w *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		select {
		case <-time.After(w.delay):
		case <-w.ctx.Done():
			return n, w.ctx.Err()
		}
		m, err := w.ResponseWriter.Write(b[:min(len(b), blobPiece)])
		n += m
		if err != nil {
			return n, err
		}
		w.ResponseWriter.(http.Flusher).Flush()
		b = b[m:]
	}
	return n, nil
}

// shootWindow saves what the window shows as out/screenshots/name.png.
func (b *browser) shootWindow(t testing.TB, name string) {
	t.Helper()
	var png []byte
	b.run(t, "screenshot "+name, chromedp.CaptureScreenshot(&png))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// goldenBERT is the golden BERT's model directory, as a Hub repository holds it.
func goldenBERT(t *testing.T) map[string][]byte {
	return hubtest.ReadDir(t, filepath.Join(goldenDir, "bert", "model"))
}

// shardedBERT is the golden BERT as a sharded checkpoint: an index that lists every weight in one
// shard, without model.safetensors or the .bin.
func shardedBERT(t *testing.T) map[string][]byte {
	t.Helper()
	files := goldenBERT(t)
	weights, _, err := checkpoint.ReadSafetensors(files["model.safetensors"])
	if err != nil {
		t.Fatal(err)
	}
	const shard = "model-00001-of-00001.safetensors"
	weightMap := map[string]string{}
	for name := range weights {
		weightMap[name] = shard
	}
	index, err := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	if err != nil {
		t.Fatal(err)
	}
	files[shard], files["model.safetensors.index.json"] = files["model.safetensors"], index
	delete(files, "model.safetensors")
	delete(files, "pytorch_model.bin")
	return files
}

// setField sets a field's value as typing does, and sends the event its handler listens for.
func setField(selector, value, event string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event(%q, {bubbles: true})); })()`,
		selector, value, event), nil)
}

// keptKeys is a JavaScript expression: the keys of a cache of the page's.
func keptKeys(cache string) string {
	return fmt.Sprintf(`caches.open(%q).then(c => c.keys()).then(k => k.map(r => r.url))`, cache)
}

// assertBERTShown checks that the page shows the golden BERT's tokens of its input and its two classes.
func assertBERTShown(t *testing.T, b *browser, ck *checkpoint.Checkpoint) {
	t.Helper()
	var text string
	b.eval(t, `document.querySelector("#text").value`, &text)
	if shown, want := shownTokens(t, b), tokenize(t, ck, text); strings.Join(shown, " ") != strings.Join(want, " ") {
		t.Errorf("tokens %q, want %q", shown, want)
	}
	if n := b.count(t, "figure[data-chart=prediction] svg g.bars rect"); n != ck.Config.NumLabels {
		t.Errorf("%d prediction bars, want %d (the model's labels)", n, ck.Config.NumLabels)
	}
	if got, want := b.text(t, "#model-shape"), fmt.Sprintf("%d × %d", ck.Config.NumLayers, ck.Config.NumHeads); got != want {
		t.Errorf("model shape %q, want %q", got, want)
	}
}

// TestHubKeepsModelsForOffline types a model's id, with the endpoint setting pointed at a mock Hub,
// sees the download's progress, and sees the golden BERT's tokens and prediction; the page asks
// nothing of any origin but its own and the Hub's. Reloaded with the network cut, it opens the model
// again from the models it keeps. The model panel is saved as out/screenshots/hub-*.png.
func TestHubKeepsModelsForOffline(t *testing.T) {
	bert := loadModel(t, filepath.Join(goldenDir, "bert", "model"))
	s := startSite(t)
	h := s.startHub(t, hubtest.Repo{ID: "org/bert-tiny", Files: goldenBERT(t)})
	commit := h.Commit("org/bert-tiny", "")
	h.delay.Store(int64(150 * time.Millisecond))
	b := startBrowser(t, s)

	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads and the kept models are listed",
		`(document.querySelector("#model-source") || {}).textContent == "default model" && document.querySelector("#kept-models .hint") && `+idle, pageState, 60*time.Second)
	if n := b.count(t, ".kept-model"); n != 0 {
		t.Fatalf("%d kept models before any download", n)
	}
	b.run(t, "pointing the endpoint setting at the mock Hub", chromedp.Click("#hub-change-endpoint"), setField("#hub-endpoint", h.URL, "change"))
	if n := len(h.Requests()); n != 0 {
		t.Errorf("the Hub was asked %d times before the user loaded a model", n)
	}
	b.run(t, "typing an id", chromedp.SendKeys("#hub-model", "org/bert-tiny"), chromedp.Click("#hub-load"))
	b.waitFor(t, "the download's progress shows",
		`/^Loading org\/bert-tiny from the Hub: model\.safetensors, \d+ kB of \d+ kB, \d+%/.test((document.querySelector("#status span") || {}).textContent)
		 && document.querySelector("#status progress").value > 0 && document.querySelector("#status progress").value < 1`, pageState, 30*time.Second)
	if got := b.text(t, "#hub-endpoint-shown"); got != h.URL {
		t.Errorf("the form says it loads from %q, want %q", got, h.URL)
	}
	b.shootWindow(t, "hub-downloading-1280")
	want := "org/bert-tiny, main at " + commit[:7] + ", from " + h.URL
	b.waitFor(t, "the model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, want), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Errorf("an error shows: %q", b.errorShown(t))
	}
	assertBERTShown(t, b, bert)
	b.waitFor(t, "the model is listed as kept", fmt.Sprintf(`document.querySelector(%q)`, `.kept-model[data-id="org/bert-tiny"][data-commit="`+commit+`"]`), pageState, 10*time.Second)
	if got := b.text(t, ".kept-model .kept-about"); !strings.HasPrefix(got, "main at "+commit[:7]+", ") || !strings.HasSuffix(got, "kB, from "+h.URL) {
		t.Errorf("the kept model is described as %q", got)
	}
	b.shoot(t, ".model-panel", "hub-1280")
	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 1000))
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Error("the page is wider than the 768-pixel window")
	}
	b.shoot(t, ".model-panel", "hub-768")
	b.run(t, "widening the window", chromedp.EmulateViewport(1280, 1000))

	// Nothing left the page's origin but the requests to the Hub, which were the Hub's URLs.
	foreign, _ := s.foreignRequests()
	if len(foreign) > 0 {
		t.Errorf("the browser requested outside %s and the Hub %s:\n%s", s.URL, h.URL, strings.Join(foreign, "\n"))
	}
	var paths []string
	for _, r := range h.Requests() {
		paths = append(paths, r.Path)
	}
	if !slices.Contains(paths, "/org/bert-tiny/resolve/main/config.json") || !slices.Contains(paths, "/org/bert-tiny/resolve/"+commit+"/model.safetensors") ||
		slices.Contains(paths, "/org/bert-tiny/resolve/"+commit+"/pytorch_model.bin") {
		t.Errorf("the Hub was asked for %v: want config.json at main, then model.safetensors (and not the .bin) at %s", paths, commit)
	}

	// The kept model is in a cache of its own, and the site's cache holds nothing of the Hub's.
	var kept, siteCache []string
	b.eval(t, keptKeys("bertology-models"), &kept)
	dir := h.URL + "/org/bert-tiny/resolve/" + commit + "/"
	wantKept := []string{dir, dir + "config.json", dir + "model.safetensors", dir + "special_tokens_map.json", dir + "tokenizer_config.json", dir + "vocab.txt"}
	if slices.Sort(kept); !slices.Equal(kept, wantKept) {
		t.Errorf("the models' cache holds\n%v\nwant\n%v", kept, wantKept)
	}
	b.waitFor(t, "the service worker controls the page and has cached the site",
		`navigator.serviceWorker.controller && caches.open("bertology").then(c => c.keys()).then(k => k.length >= 13)`, keptKeys("bertology"), 30*time.Second)
	b.eval(t, keptKeys("bertology"), &siteCache)
	for _, u := range siteCache {
		if !strings.HasPrefix(u, s.URL+"/") {
			t.Errorf("the site's cache holds %s", u)
		}
	}

	b.run(t, "cutting the network", network.EmulateNetworkConditions(true, 0, -1, -1))
	s.cut()
	b.run(t, "reloading offline", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the page lists the kept model offline", fmt.Sprintf(`document.querySelector(%q) && `+idle, `.kept-model[data-commit="`+commit+`"]`), pageState, 60*time.Second)
	b.run(t, "opening the kept model", chromedp.Click(fmt.Sprintf(`.kept-model[data-commit=%q] .kept-open`, commit)))
	want = "org/bert-tiny, main at " + commit[:7] + ", the kept copy, from " + h.URL
	b.waitFor(t, "the kept model opens offline", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, want), pageState, 60*time.Second)
	if b.count(t, "#error") != 0 {
		t.Errorf("an error shows: %q", b.errorShown(t))
	}
	assertBERTShown(t, b, bert)
	b.shoot(t, ".model-panel", "hub-offline-1280")
}

// TestHubCancelsDeletesAndShards cancels a download, loads a sharded checkpoint from the Hub and from
// a URL, and deletes the kept models, which leaves their cache empty and the site's as it was.
func TestHubCancelsDeletesAndShards(t *testing.T) {
	bert := loadModel(t, filepath.Join(goldenDir, "bert", "model"))
	s := startSite(t)
	h := s.startHub(t, hubtest.Repo{ID: "org/bert-tiny", Files: goldenBERT(t)}, hubtest.Repo{ID: "org/sharded", Files: shardedBERT(t)})
	dir := t.TempDir()
	for name, data := range shardedBERT(t) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.serve("/sharded/", dir)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `(document.querySelector("#model-source") || {}).textContent == "default model" && `+idle, pageState, 60*time.Second)
	b.run(t, "pointing the endpoint setting at the mock Hub", chromedp.Click("#hub-change-endpoint"), setField("#hub-endpoint", h.URL, "change"))
	load := func(what, id string) {
		t.Helper()
		b.run(t, what, setField("#hub-model", id, "input"), chromedp.Click("#hub-load"))
	}

	load("loading a model the Hub does not have", "org/none")
	b.waitFor(t, "an error shows", `document.querySelector("#error") && `+idle, pageState, 30*time.Second)
	if got := b.errorShown(t); !strings.HasPrefix(got, "loadHubModel: hub: "+h.URL+"/org/none/resolve/main/config.json: 401 Unauthorized (RepoNotFound") {
		t.Errorf("error %q", got)
	}

	h.delay.Store(int64(300 * time.Millisecond))
	load("loading a model slowly", "org/bert-tiny")
	b.waitFor(t, "the download's progress shows", `/model\.safetensors, \d+ kB of/.test((document.querySelector("#status") || {}).textContent)`, pageState, 30*time.Second)
	b.run(t, "cancelling", chromedp.Click("#cancel"))
	b.waitFor(t, "the download stops", `document.querySelector("#error") && `+idle, pageState, 30*time.Second)
	if got := b.errorShown(t); got != "loadHubModel: cancelled" {
		t.Errorf("error %q, want loadHubModel: cancelled", got)
	}
	if got := b.text(t, "#model-source"); got != "default model" || b.count(t, ".kept-model") != 0 {
		t.Errorf("after the cancel the model is %q, with %d kept", got, b.count(t, ".kept-model"))
	}

	h.delay.Store(0)
	commit := h.Commit("org/bert-tiny", "")
	load("loading the model", "org/bert-tiny")
	b.waitFor(t, "the model loads", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent.startsWith("org/bert-tiny, main at %s") && `+idle, commit[:7]), pageState, 60*time.Second)
	assertBERTShown(t, b, bert)

	load("loading a sharded checkpoint from the Hub", "org/sharded")
	b.waitFor(t, "the sharded model loads", `(document.querySelector("#model-source") || {}).textContent.startsWith("org/sharded, main at ") && `+idle, pageState, 60*time.Second)
	assertBERTShown(t, b, bert)
	b.run(t, "loading a sharded checkpoint by its URL", setURL(s.URL+"/sharded/"), chromedp.Click("#load-url"))
	b.waitFor(t, "the sharded model loads from its URL", fmt.Sprintf(`(document.querySelector("#model-source") || {}).textContent == %q && `+idle, s.URL+"/sharded/"), pageState, 60*time.Second)
	assertBERTShown(t, b, bert)
	if b.count(t, "#error") != 0 {
		t.Errorf("an error shows: %q", b.errorShown(t))
	}

	if n := b.count(t, ".kept-model"); n != 2 {
		t.Fatalf("%d kept models, want 2", n)
	}
	var siteBefore []string
	b.eval(t, keptKeys("bertology"), &siteBefore)
	for _, id := range []string{"org/bert-tiny", "org/sharded"} {
		b.run(t, "deleting "+id, chromedp.Click(fmt.Sprintf(`.kept-model[data-id=%q] .kept-delete`, id)))
		b.waitFor(t, id+" goes from the list", fmt.Sprintf(`!document.querySelector(%q) && `+idle, `.kept-model[data-id="`+id+`"]`), pageState, 30*time.Second)
	}
	var kept, siteAfter []string
	b.eval(t, keptKeys("bertology-models"), &kept)
	if len(kept) != 0 {
		t.Errorf("the models' cache still holds %v", kept)
	}
	b.eval(t, keptKeys("bertology"), &siteAfter)
	for _, u := range siteBefore {
		if !slices.Contains(siteAfter, u) {
			t.Errorf("deleting the kept models took %s from the site's cache", u)
		}
	}
	if !strings.Contains(b.text(t, "#kept-models"), "The models you load from the Hub are kept in this browser") {
		t.Errorf("the empty list says %q", b.text(t, "#kept-models"))
	}
}
