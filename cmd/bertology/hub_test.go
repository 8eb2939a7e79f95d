package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/hub/hubtest"
	"bertology/core/tensor"
)

// hubEnv points the environment at the Hub endpoint and an empty cache, clearing whatever of
// huggingface_hub's variables the machine has set, and returns the cache directory.
func hubEnv(t *testing.T, endpoint string) string {
	cache := t.TempDir()
	for name, value := range map[string]string{
		"HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache, "HF_HOME": t.TempDir(),
		"HF_TOKEN": "", "HUGGING_FACE_HUB_TOKEN": "", "HUGGINGFACE_HUB_CACHE": "", "HF_HUB_OFFLINE": "", "TRANSFORMERS_OFFLINE": "",
	} {
		t.Setenv(name, value)
	}
	return cache
}

// goldenLogits runs `bertology forward` on arch's golden inputs with the model args name and checks
// its logits against Hugging Face's.
func goldenLogits(t *testing.T, arch string, args ...string) {
	t.Helper()
	var g struct {
		Inputs  json.RawMessage `json:"inputs"`
		Forward goldenForward   `json:"forward"`
	}
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
	dir := t.TempDir()
	inputs, out := filepath.Join(dir, "inputs.json"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(inputs, g.Inputs, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runForward(append(args, "--inputs", inputs, "--out", out)); err != nil {
		t.Fatal(err)
	}
	var got goldenForward
	golden.Decode(t, out, &got)
	golden.AssertClose(t, arch+" logits", got.Logits.F32(), g.Forward.Logits, 1e-5)
}

// TestHubModel opens a model by its Hub id: the command downloads it into the Hub cache's layout,
// computes Hugging Face's logits from it, and reads it back offline once the Hub is gone.
func TestHubModel(t *testing.T) {
	files := hubtest.ReadDir(t, golden.Path(t, "bert", "model"))
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: files})
	cache := hubEnv(t, srv.URL)
	goldenLogits(t, "bert", "--model", "org/bert-tiny")

	repoDir := filepath.Join(cache, "models--org--bert-tiny")
	commit := srv.Commit("org/bert-tiny", "")
	if b, err := os.ReadFile(filepath.Join(repoDir, "refs", "main")); err != nil || string(b) != commit {
		t.Errorf("refs/main holds %q (%v), want %s", b, err, commit)
	}
	snapshot := filepath.Join(repoDir, "snapshots", commit)
	entries, err := os.ReadDir(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		target, err := os.Readlink(filepath.Join(snapshot, e.Name()))
		if want := "../../blobs/" + hubtest.ETag(e.Name(), files[e.Name()]); err != nil || target != want {
			t.Errorf("%s links to %q (%v), want %s", e.Name(), target, err, want)
		}
	}
	if want := []string{"config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}; !slices.Equal(names, want) {
		t.Errorf("snapshot holds %v, want %v", names, want)
	}

	srv.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	goldenLogits(t, "bert", "--model", "org/bert-tiny")
	var out bytes.Buffer
	if err := inspectModel([]string{"--model", "org/bert-tiny"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := inspectField(out.String(), "model"); got != snapshot {
		t.Errorf("inspect offline: model %q, want the snapshot %s", got, snapshot)
	}
	if got := inspectField(out.String(), "type"); got != "bert [BertForSequenceClassification]" {
		t.Errorf("inspect offline: type %q", got)
	}
	err = runForward([]string{"--model", "org/other", "--inputs", "x", "--out", filepath.Join(t.TempDir(), "o.json")})
	if err == nil || !strings.Contains(err.Error(), "org/other is not in the cache") || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline, a model the cache lacks: error %v", err)
	}
	if err := os.Remove(filepath.Join(snapshot, "config.json")); err != nil {
		t.Fatal(err)
	}
	err = inspectModel([]string{"--model", "org/bert-tiny"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "config.json of org/bert-tiny is not in the cache") || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline, a snapshot without config.json: error %v", err)
	}
}

// TestHubRevisionsAndAddresses: --revision picks a branch, the address of a branch's page names it
// and its Hub, --cache_dir wins over HF_HUB_CACHE, and a one-part id (as gpt2's) works.
func TestHubRevisionsAndAddresses(t *testing.T) {
	bert := hubtest.ReadDir(t, golden.Path(t, "bert", "model"))
	distil := hubtest.ReadDir(t, golden.Path(t, "distilbert", "model"))
	srv := hubtest.NewServer(t,
		hubtest.Repo{ID: "org/m", Files: bert},
		hubtest.Repo{ID: "org/m", Revision: "distil", Files: distil},
		hubtest.Repo{ID: "gpt2", Files: hubtest.ReadDir(t, golden.Path(t, "gpt2", "model"))})
	envCache := hubEnv(t, srv.URL)

	goldenLogits(t, "distilbert", "--model", "org/m", "--revision", "distil")
	goldenLogits(t, "gpt2", "--model", "gpt2")
	if _, err := os.Stat(filepath.Join(envCache, "models--org--m", "refs", "distil")); err != nil {
		t.Errorf("no ref of the branch: %v", err)
	}

	t.Setenv("HF_ENDPOINT", "http://"+closedAddr(t)) // the address names the Hub
	own := t.TempDir()
	goldenLogits(t, "distilbert", "--model", srv.URL+"/org/m/tree/distil", "--cache_dir", own)
	if _, err := os.Stat(filepath.Join(own, "models--org--m", "snapshots", srv.Commit("org/m", "distil"), "model.safetensors")); err != nil {
		t.Errorf("--cache_dir: %v", err)
	}
}

// inspectField returns what inspect's output says after "key:".
func inspectField(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func closedAddr(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

// TestHubErrors: a private repository says it needs HF_TOKEN and opens with it; a repository without
// config.json, and a name that is neither a directory nor an id, say so.
func TestHubErrors(t *testing.T) {
	bert := hubtest.ReadDir(t, golden.Path(t, "bert", "model"))
	noConfig := maps.Clone(bert)
	delete(noConfig, "config.json")
	srv := hubtest.NewServer(t,
		hubtest.Repo{ID: "org/private", Files: bert, Token: "hf_secret"},
		hubtest.Repo{ID: "org/no-config", Files: noConfig})
	hubEnv(t, srv.URL)
	args := func(model string) []string {
		return []string{"--model", model, "--inputs", golden.Path(t, "bert", "golden_float32.json"), "--out", filepath.Join(t.TempDir(), "o.json")}
	}
	for _, tc := range []struct{ model, want string }{
		{"org/private", "401 Unauthorized"},
		{"org/private", "set HF_TOKEN"},
		{"org/no-config", "org/no-config has no config.json"},
		{"org/no-config", "404 Not Found"},
		{"./no/such/dir", "./no/such/dir: no such directory, and not a Hub model id"},
	} {
		if err := runForward(args(tc.model)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.model, err, tc.want)
		}
	}
	t.Setenv("HF_TOKEN", "hf_secret")
	before := len(srv.Requests())
	goldenLogits(t, "bert", "--model", "org/private")
	for _, r := range srv.Requests()[before:] {
		if !strings.HasPrefix(r.Path, "/blobs/") && r.Authorization != "Bearer hf_secret" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Authorization)
		}
	}
}

// TestHubLocalDirectoryWins: a directory named like a Hub id is read, and the Hub is not asked.
func TestHubLocalDirectoryWins(t *testing.T) {
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: hubtest.ReadDir(t, golden.Path(t, "bert", "model"))})
	hubEnv(t, srv.URL)
	work := t.TempDir()
	local := filepath.Join(work, "org", "bert-tiny")
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range hubtest.ReadDir(t, golden.Path(t, "distilbert", "model")) {
		if err := os.WriteFile(filepath.Join(local, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(work)
	var out bytes.Buffer
	if err := inspectModel([]string{"--model", "org/bert-tiny"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := inspectField(out.String(), "model"); got != "org/bert-tiny" {
		t.Errorf("model %q, want the directory org/bert-tiny", got)
	}
	if got := inspectField(out.String(), "type"); !strings.HasPrefix(got, "distilbert ") {
		t.Errorf("type %q, want the directory's distilbert", got)
	}
	if r := srv.Requests(); len(r) != 0 {
		t.Errorf("requests %v, though the directory exists", r)
	}
}

// TestHubTokenizeDownloadsNoWeights: tokenize needs config.json and the tokenizer's files only.
func TestHubTokenizeDownloadsNoWeights(t *testing.T) {
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: hubtest.ReadDir(t, golden.Path(t, "bert", "model"))})
	hubEnv(t, srv.URL)
	var fromHub, fromDir bytes.Buffer
	const text = "the quick brown fox\nhello world\n"
	if err := tokenizeLines([]string{"--model", "org/bert-tiny"}, strings.NewReader(text), &fromHub); err != nil {
		t.Fatal(err)
	}
	if err := tokenizeLines([]string{"--model", golden.Path(t, "bert", "model")}, strings.NewReader(text), &fromDir); err != nil {
		t.Fatal(err)
	}
	if fromHub.String() != fromDir.String() || fromHub.Len() == 0 {
		t.Errorf("from the Hub:\n%s\nfrom the directory:\n%s", fromHub.String(), fromDir.String())
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "model.safetensors") || strings.Contains(r.Path, "pytorch_model") || strings.HasPrefix(r.Path, "/blobs/") {
			t.Errorf("%s %s: tokenize needs no weights", r.Method, r.Path)
		}
	}
}

// TestHubRun runs `bertology run` (run_bertology.py's flags) on a Hub id: the head importance of the
// script's run.
func TestHubRun(t *testing.T) {
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: hubtest.ReadDir(t, golden.Path(t, "bert", "model"))})
	hubEnv(t, srv.URL)
	out := t.TempDir()
	err := runRun([]string{"--model_name_or_path", "org/bert-tiny", "--revision", "main", "--data_dir", golden.Path(t, "run_bertology", "data", "SST-2"),
		"--task_name", "sst-2", "--output_dir", out, "--max_seq_length", "16", "--batch_size", "1", "--mode", "script"})
	if err != nil {
		t.Fatal(err)
	}
	_, want := readNpy(t, golden.Path(t, "run_bertology", "default", "head_importance.npy"))
	shape, got := readNpy(t, filepath.Join(out, "head_importance.npy"))
	golden.AssertClose(t, "head_importance", got, &golden.Tensor{Shape: shape, Data: f64.FromFloat32(want)}, 1e-5)
}

// TestHubSharded downloads a sharded safetensors checkpoint (index and shards) and computes the golden
// logits from it.
func TestHubSharded(t *testing.T) {
	bert := hubtest.ReadDir(t, golden.Path(t, "bert", "model"))
	weights, _, err := checkpoint.ReadSafetensors(bert["model.safetensors"])
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"config.json": bert["config.json"], "vocab.txt": bert["vocab.txt"]}
	weightMap := map[string]string{}
	shards := map[string]map[string]*tensor.Tensor{}
	for i, name := range slices.Sorted(maps.Keys(weights)) {
		shard := []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[i%2]
		weightMap[name] = shard
		if shards[shard] == nil {
			shards[shard] = map[string]*tensor.Tensor{}
		}
		shards[shard][name] = weights[name]
	}
	for name, ws := range shards {
		var b bytes.Buffer
		if err := checkpoint.WriteSafetensors(&b, ws, "F32", map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		files[name] = b.Bytes()
	}
	files["model.safetensors.index.json"], _ = json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": weightMap})
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/sharded", Files: files})
	cache := hubEnv(t, srv.URL)

	err = inspectModel([]string{"--model", "org/sharded"}, &bytes.Buffer{})
	snapshot := filepath.Join(cache, "models--org--sharded", "snapshots", srv.Commit("org/sharded", ""))
	for name := range files {
		if _, serr := os.Stat(filepath.Join(snapshot, name)); serr != nil {
			t.Errorf("%s not downloaded: %v", name, serr)
		}
	}
	if err != nil {
		t.Fatalf("inspect of the sharded model: %v", err)
	}
	goldenLogits(t, "bert", "--model", "org/sharded")
}
