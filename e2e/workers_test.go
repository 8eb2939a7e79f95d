//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
)

// labCall defines labCall(op, fields) in the page: it sends one request to the lab's worker beside the
// UI's own (with ids the UI does not use) and resolves to its result. Importance comes back with its
// typed arrays as plain arrays, which JSON carries exactly.
const labCall = `globalThis.labCall = (op, fields = {}) => new Promise((resolve, reject) => {
	const w = globalThis.bertologyWorker;
	const id = 1e9 + (globalThis.labCallID = (globalThis.labCallID || 0) + 1);
	const answer = e => {
		if (e.data.id !== id || e.data.progress) {
			return;
		}
		w.removeEventListener("message", answer);
		if (e.data.error !== undefined) {
			reject(new Error(e.data.error));
			return;
		}
		const r = e.data.result;
		resolve(op !== "importance" ? r : {
			importance: [...r.importance], raw: [...r.raw], entropy: [...r.entropy], ranks: [...r.ranks],
			totTokens: r.totTokens, metrics: r.evaluation.metrics, examples: r.evaluation.examples,
		});
	};
	w.addEventListener("message", answer);
	w.postMessage({ id, op, ...fields });
})`

// importanceResult is what labCall returns for importance.
type importanceResult struct {
	Importance, Raw, Entropy []float64
	Ranks                    []int
	TotTokens                float64
	Metrics                  map[string]float64
	Examples                 int
}

// workersResult is what setWorkers answers.
type workersResult struct {
	Count, Cores, Replaced int
}

// workersPage opens the page with the default model and the real SST-2 dev set loaded, and labCall
// defined. It returns the number of examples.
func workersPage(t testing.TB) (*site, *browser, int) {
	t.Helper()
	devPath := golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv")
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	b.run(t, "uploading the SST-2 dev set", chromedp.SetUploadFiles("#dataset-file", []string{devPath}))
	b.waitFor(t, "the data set loads", `Number((document.querySelector("#dataset-count") || {}).textContent) > 0 && `+idle, pageState, 30*time.Second)
	var ok bool
	b.eval(t, "("+labCall+", true)", &ok)
	var n int
	b.eval(t, `Number(document.querySelector("#dataset-count").textContent)`, &n)
	return s, b, n
}

func (b *browser) setWorkers(t testing.TB, count int) workersResult {
	t.Helper()
	var res workersResult
	b.eval(t, fmt.Sprintf(`labCall("setWorkers", {count: %d})`, count), &res)
	if res.Count != count {
		t.Fatalf("setWorkers %d: the worker has %d", count, res.Count)
	}
	return res
}

func (b *browser) importance(t testing.TB, request string) *importanceResult {
	t.Helper()
	var res importanceResult
	b.eval(t, `labCall("importance", `+request+`)`, &res)
	return &res
}

// TestWorkersComputeWhatOneDoes computes importance on the real SST-2 dev set with the default model in
// the lab's worker alone and on two shards, and wants importance, entropy and accuracy identical; then
// again with a shard killed in the middle of the pass, which is replaced.
func TestWorkersComputeWhatOneDoes(t *testing.T) {
	s, b, examples := workersPage(t)
	const request = `{maxSeqLength: 64, batchSize: 8}`

	// The page's field sets the workers.
	var set bool
	b.eval(t, `(f => { f.value = "1"; f.dispatchEvent(new Event("change")); return true })(document.querySelector("#workers"))`, &set)
	b.waitFor(t, "the workers are set", idle, pageState, 10*time.Second)
	var shown workersResult
	b.eval(t, `labCall("setWorkers")`, &shown)
	if shown.Count != 1 || b.value(t, "#workers") != "1" {
		t.Fatalf("after typing 1 in the workers field, the worker has %d workers and the field shows %q", shown.Count, b.value(t, "#workers"))
	}
	one := b.importance(t, request)
	if one.Examples != examples || len(one.Importance) == 0 || one.Metrics["acc"] < 0.6 {
		t.Fatalf("importance with one worker: %d examples (want %d), accuracy %v, %d heads", one.Examples, examples, one.Metrics["acc"], len(one.Importance))
	}
	t.Logf("one worker: accuracy %v, loss %v over %d examples", one.Metrics["acc"], one.Metrics["loss"], one.Examples)

	before := s.servedCount("/bertology.wasm")
	start := b.setWorkers(t, 2)
	if two := b.importance(t, request); !reflect.DeepEqual(two, one) {
		t.Errorf("importance on two workers differs from one worker's:\n%+v\n%+v", two, one)
	}
	if started := s.servedCount("/bertology.wasm") - before; started != 2 {
		t.Errorf("bertology.wasm was fetched %d times for two workers, want 2", started)
	}

	var armed map[string]any
	b.eval(t, `labCall("killShard", {afterBatches: 20})`, &armed)
	if killed := b.importance(t, request); !reflect.DeepEqual(killed, one) {
		t.Errorf("importance on two workers, one killed, differs from one worker's:\n%+v\n%+v", killed, one)
	}
	if after := b.setWorkers(t, 2); after.Replaced != start.Replaced+1 {
		t.Errorf("%d shards replaced after one was killed, want %d", after.Replaced, start.Replaced+1)
	}
}

// analysesResult is what the analyses over the data set answer, probe and attnStats, as JSON carries
// them: typed arrays as plain arrays, NaN as null.
type analysesResult struct {
	Probe, AttnStats map[string]any
}

// analyses runs the probe and the attention statistics on the loaded data set in the lab's worker.
func (b *browser) analyses(t testing.TB) *analysesResult {
	t.Helper()
	var res analysesResult
	b.eval(t, `(async () => {
		const probe = await labCall("probe", {maxSeqLength: 64, pool: "mean"});
		const attnStats = await labCall("attnStats", {maxSeqLength: 64, top: 10});
		return JSON.parse(JSON.stringify({probe, attnStats}, (_, v) => ArrayBuffer.isView(v) ? [...v] : v));
	})()`, &res)
	return &res
}

// TestWorkersComputeTheAnalysesOfOne trains the probes and computes the attention statistics on the
// real SST-2 dev set with the default model in the lab's worker alone and on two shards, and wants
// every number identical; then again with a shard killed in the middle of the probe's pass.
func TestWorkersComputeTheAnalysesOfOne(t *testing.T) {
	_, b, examples := workersPage(t)
	b.setWorkers(t, 1)
	one := b.analyses(t)
	if n, _ := one.Probe["samples"].(float64); int(n) != examples {
		t.Fatalf("the probe saw %v examples, want %d", one.Probe["samples"], examples)
	}
	if n, _ := one.AttnStats["examples"].(float64); int(n) != examples {
		t.Fatalf("the statistics saw %v examples, want %d", one.AttnStats["examples"], examples)
	}
	start := b.setWorkers(t, 2)
	if two := b.analyses(t); !reflect.DeepEqual(two, one) {
		t.Errorf("the analyses on two workers differ from one worker's:\n%+v\n%+v", two, one)
	}
	var armed map[string]any
	b.eval(t, `labCall("killShard", {afterBatches: 10})`, &armed)
	if killed := b.analyses(t); !reflect.DeepEqual(killed, one) {
		t.Errorf("the analyses on two workers, one killed, differ from one worker's:\n%+v\n%+v", killed, one)
	}
	if after := b.setWorkers(t, 2); after.Replaced != start.Replaced+1 {
		t.Errorf("%d shards replaced after one was killed, want %d", after.Replaced, start.Replaced+1)
	}
}

// servedCount is how many times the browser asked the site for path.
func (s *site) servedCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, u := range s.requests {
		if u == s.URL+path {
			n++
		}
	}
	return n
}

// BenchmarkImportanceWorkers measures importance on the real SST-2 dev set with the default model, in
// examples per second, with the lab's worker alone and with two shards (the page's setting, without
// the page's rendering).
//
//	./build.sh build && go test -tags e2e -run '^$' -bench ImportanceWorkers -benchtime 3x ./e2e/
func BenchmarkImportanceWorkers(b *testing.B) {
	_, br, examples := workersPage(b)
	for _, c := range []struct{ workers, batch int }{{1, 1}, {2, 1}, {1, 8}, {2, 8}} {
		b.Run(fmt.Sprintf("batch=%d/workers=%d", c.batch, c.workers), func(b *testing.B) {
			br.setWorkers(b, c.workers)
			request := fmt.Sprintf(`{maxSeqLength: 128, batchSize: %d}`, c.batch)
			br.importance(b, request) // the shards start and load the model
			start := time.Now()
			for b.Loop() {
				br.importance(b, request)
			}
			b.ReportMetric(float64(examples*b.N)/time.Since(start).Seconds(), "examples/s")
		})
	}
}

// BenchmarkImportanceDistilBERT measures importance in examples per second over the first 200 SST-2 dev
// sentences on a random distilbert-base-shaped classifier with the real bert-base-uncased vocabulary (the
// model issue 10 sets its browser target on), loaded from a directory the site serves, at batch 1 and 32,
// with the lab's worker alone and with one shard per core.
//
//	./build.sh build && go test -tags e2e -run '^$' -bench ImportanceDistilBERT -benchtime 1x ./e2e/
func BenchmarkImportanceDistilBERT(b *testing.B) {
	dir := b.TempDir()
	cfg, err := checkpoint.ParseConfig([]byte(`{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"]}`))
	if err != nil {
		b.Fatal(err)
	}
	ck, err := model.RandomCheckpoint(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := checkpoint.SaveDir(dir, ck, "F32"); err != nil {
		b.Fatal(err)
	}
	vocab, err := os.ReadFile(golden.SharedPath(b, "data", "tokenizers", "bert-base-uncased", "vocab.txt"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), vocab, 0o644); err != nil {
		b.Fatal(err)
	}
	s, br, _ := workersPage(b)
	s.serve("/bench/", dir)
	var info map[string]any
	br.eval(b, `labCall("loadModelURL", {url: "/bench/", files: ["config.json", "model.safetensors", "vocab.txt"]})`, &info)
	if info["type"] != "distilbert" {
		b.Fatalf("the benchmark's model loaded as %v", info)
	}
	devPath := golden.SharedPath(b, "data", "glue", "SST-2", "dev.tsv")
	dev, err := os.ReadFile(devPath)
	if err != nil {
		b.Fatal(err)
	}
	var data map[string]any
	br.eval(b, fmt.Sprintf(`labCall("loadDataset", {name: "SST-2/dev.tsv", task: "sst-2", bytes: new TextEncoder().encode(%q)})`, dev), &data)
	const examples = 200
	cores := br.setWorkers(b, 1).Cores
	for _, batch := range []int{1, 32} {
		for _, workers := range []int{1, max(2, cores)} {
			b.Run(fmt.Sprintf("batch=%d/workers=%d", batch, workers), func(b *testing.B) {
				br.setWorkers(b, workers)
				request := fmt.Sprintf(`{maxSeqLength: 128, batchSize: %d, subset: %d}`, batch, examples)
				if res := br.importance(b, request); res.Examples != examples { // the shards start and load the model
					b.Fatalf("importance over %d examples, want %d", res.Examples, examples)
				}
				start := time.Now()
				for b.Loop() {
					br.importance(b, request)
				}
				b.ReportMetric(float64(examples*b.N)/time.Since(start).Seconds(), "examples/s")
			})
		}
	}
}

// BenchmarkClickHead measures what clicking a head in the importance heatmap costs on the default model
// with the whole SST-2 dev set loaded: one evaluation with that head masked (the importance pass before
// it made the batches), with the lab's worker alone and with one shard per core. Its ns/op is the wait.
//
//	./build.sh build && go test -tags e2e -run '^$' -bench ClickHead -benchtime 5x ./e2e/
func BenchmarkClickHead(b *testing.B) {
	_, br, examples := workersPage(b)
	var info struct{ Layers, Heads int }
	br.eval(b, `labCall("modelInfo")`, &info)
	mask := make([]string, info.Layers*info.Heads)
	for i := range mask {
		mask[i] = "1"
	}
	mask[0] = "0"
	request := fmt.Sprintf(`{headMask: [%s]}`, strings.Join(mask, ","))
	cores := br.setWorkers(b, 1).Cores
	br.importance(b, `{maxSeqLength: 128, batchSize: 1}`)
	for _, workers := range []int{1, max(2, cores)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			br.setWorkers(b, workers)
			var ev struct{ Examples int }
			br.eval(b, `labCall("evaluate", `+request+`)`, &ev) // the shards start and load the model
			if ev.Examples != examples {
				b.Fatalf("evaluated %d examples, want %d", ev.Examples, examples)
			}
			for b.Loop() {
				br.eval(b, `labCall("evaluate", `+request+`)`, &ev)
			}
		})
	}
}
