package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/hub/hubtest"
	"bertology/core/tensor"
)

// shardedSafetensors splits the golden BERT's model.safetensors into two shards and their index, as
// save_pretrained(max_shard_size=...) writes them.
func shardedSafetensors(t *testing.T) map[string][]byte {
	t.Helper()
	weights, _, err := checkpoint.ReadSafetensors(bertFiles(t)["model.safetensors"])
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(weights))
	shards := [2]map[string]*tensor.Tensor{{}, {}}
	index := map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": map[string]string{}}
	files := map[string][]byte{}
	for i, name := range names {
		s := i * 2 / len(names)
		shards[s][name] = weights[name]
		index["weight_map"].(map[string]string)[name] = []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[s]
	}
	for s, shard := range shards {
		var b bytes.Buffer
		if err := checkpoint.WriteSafetensors(&b, shard, "F32", map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		files[[]string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}[s]] = b.Bytes()
	}
	b, err := json.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	files["model.safetensors.index.json"] = b
	return files
}

// TestFiles finds a model's files in transformers' order, in memory: config.json, the first weight
// file of model.safetensors, its index, pytorch_model.bin and its index (with the shards an index
// lists), then the tokenizer's files the repository has.
func TestFiles(t *testing.T) {
	bert := bertFiles(t)
	pick := func(names ...string) map[string][]byte {
		m := map[string][]byte{}
		for _, n := range names {
			m[n] = bert[n]
		}
		return m
	}
	with := func(base map[string][]byte, more map[string][]byte) map[string][]byte {
		m := maps.Clone(base)
		maps.Copy(m, more)
		return m
	}
	sharded := shardedSafetensors(t)
	binIndex := []byte(`{"metadata": {"total_size": 1}, "weight_map": {"bert.embeddings.word_embeddings.weight": "pytorch_model-00001-of-00001.bin"}}`)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		what  What
		want  []string
		err   string
	}{
		{"safetensors first", bert, Model, bertNeeds, ""},
		{"bin only", pick("config.json", "pytorch_model.bin", "vocab.txt"), Model, []string{"config.json", "pytorch_model.bin", "vocab.txt"}, ""},
		{"sharded safetensors before bin", with(pick("config.json", "pytorch_model.bin", "vocab.txt"), sharded), Model,
			[]string{"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "vocab.txt"}, ""},
		{"sharded bin", with(pick("config.json", "vocab.txt"), map[string][]byte{"pytorch_model.bin.index.json": binIndex, "pytorch_model-00001-of-00001.bin": bert["pytorch_model.bin"]}), Model,
			[]string{"config.json", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00001.bin", "vocab.txt"}, ""},
		{"tokenizer.json only", with(pick("config.json", "model.safetensors"), map[string][]byte{"tokenizer.json": []byte(`{}`)}), Model,
			[]string{"config.json", "model.safetensors", "tokenizer.json"}, ""},
		{"tokenizer alone", bert, Tokenizer, []string{"config.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"}, ""},
		{"no config", pick("model.safetensors", "vocab.txt"), Model, nil, "org/m has no config.json, which every model has"},
		{"no weights", pick("config.json", "vocab.txt"), Model, nil, "org/m has no weights: none of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json"},
		{"missing shard", with(pick("config.json"), map[string][]byte{"pytorch_model.bin.index.json": binIndex}), Model, nil,
			"pytorch_model.bin.index.json lists the shard pytorch_model-00001-of-00001.bin, which is missing"},
		{"hostile shard", with(pick("config.json"), map[string][]byte{"model.safetensors.index.json": []byte(`{"weight_map": {"w": "../../blobs/x"}}`)}), Model, nil,
			`model.safetensors.index.json: the shard "../../blobs/x" of weight "w" is not the name of a weight file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/m", Files: tc.files})
			got, gotCommit, err := (&Client{Endpoint: srv.URL}).Files(context.Background(), Repo{ID: "org/m"}, tc.what, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, slices.Sorted(slices.Values(tc.want))) {
				t.Fatalf("files %v, want %v", names, tc.want)
			}
			for name, b := range got {
				if !bytes.Equal(b, tc.files[name]) {
					t.Errorf("%s: %d bytes differ from the repository's %d", name, len(b), len(tc.files[name]))
				}
			}
			// Every file after the first is asked for at the commit main was at, which Files returns.
			commit := srv.Commit("org/m", "")
			if gotCommit != commit {
				t.Errorf("commit %q, want %q", gotCommit, commit)
			}
			for _, r := range srv.Requests()[1:] {
				if !strings.HasPrefix(r.Path, "/blobs/") && !strings.Contains(r.Path, "/resolve/"+commit+"/") {
					t.Errorf("%s %s, not at commit %s", r.Method, r.Path, commit)
				}
			}
		})
	}
}

// followingTransport sends requests as the browser's fetch does: it follows redirects itself, so that
// only the final answer is seen.
type followingTransport struct{ sent []string }

func (f *followingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.sent = append(f.sent, req.URL.Path)
	return http.DefaultClient.Do(req)
}

// TestFilesThroughTransport downloads through a Transport that follows redirects itself, as js/wasm
// does: the weights' blobs answer without X-Repo-Commit, and the commit comes from config.json's answer.
func TestFilesThroughTransport(t *testing.T) {
	bert := bertFiles(t)
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/m", Files: bert})
	tr := &followingTransport{}
	got, commit, err := (&Client{Endpoint: srv.URL, Transport: tr}).Files(context.Background(), Repo{ID: "org/m"}, Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	if commit != srv.Commit("org/m", "") {
		t.Errorf("commit %q, want %q", commit, srv.Commit("org/m", ""))
	}
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, slices.Sorted(slices.Values(bertNeeds))) {
		t.Fatalf("files %v, want %v", names, bertNeeds)
	}
	for name, b := range got {
		if !bytes.Equal(b, bert[name]) {
			t.Errorf("%s differs from the repository's", name)
		}
	}
	if len(tr.sent) == 0 || tr.sent[0] != "/org/m/resolve/main/config.json" || !strings.HasPrefix(tr.sent[1], "/org/m/resolve/"+commit+"/") {
		t.Errorf("sent %v: want config.json at main, then the rest at %s", tr.sent, commit)
	}
}

// TestSnapshotSharded downloads a sharded checkpoint into the cache: the index and both shards.
func TestSnapshotSharded(t *testing.T) {
	files := shardedSafetensors(t)
	files["config.json"], files["vocab.txt"] = bertFiles(t)["config.json"], bertFiles(t)["vocab.txt"]
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/sharded", Files: files})
	cache := Cache{Dir: t.TempDir()}
	dir, names, err := cache.Snapshot(context.Background(), &Client{Endpoint: srv.URL}, Repo{ID: "org/sharded"}, Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "vocab.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	assertSnapshot(t, cache, "org/sharded", srv.Commit("org/sharded", ""), dir, files, want)
	entries, err := os.ReadDir(filepath.Join(cache.RepoDir("org/sharded"), "blobs"))
	if err != nil || len(entries) != len(want) {
		t.Errorf("%d blobs (%v), want %d", len(entries), err, len(want))
	}
}

// TestFilesErrors: a private repository needs its token, and says so; with it every request carries
// it.
func TestFilesErrors(t *testing.T) {
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/private", Files: bertFiles(t), Token: "hf_secret"})
	ctx := context.Background()
	_, _, err := (&Client{Endpoint: srv.URL}).Files(ctx, Repo{ID: "org/private"}, Model, nil)
	if !errors.Is(err, ErrNeedsToken) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "set HF_TOKEN") {
		t.Errorf("no token: error %v", err)
	}
	_, _, err = (&Client{Endpoint: srv.URL, Token: "hf_wrong"}).Files(ctx, Repo{ID: "org/private"}, Model, nil)
	if !errors.Is(err, ErrNeedsToken) || !strings.Contains(err.Error(), "the token in HF_TOKEN may not read") {
		t.Errorf("a wrong token: error %v", err)
	}
	before := len(srv.Requests())
	files, _, err := (&Client{Endpoint: srv.URL, Token: "hf_secret"}).Files(ctx, Repo{ID: "org/private"}, Model, nil)
	if err != nil || len(files) != len(bertNeeds) {
		t.Fatalf("with the token: %d files, %v", len(files), err)
	}
	for _, r := range srv.Requests()[before:] {
		if !strings.HasPrefix(r.Path, "/blobs/") && r.Authorization != "Bearer hf_secret" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Authorization)
		}
	}
	_, _, err = (&Client{Endpoint: srv.URL}).Files(ctx, Repo{ID: "org/nothing"}, Model, nil)
	if !errors.Is(err, ErrNeedsToken) || !strings.Contains(err.Error(), "RepoNotFound") {
		t.Errorf("no such repository: error %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"gpt2", "org/name", "https://huggingface.co/org/name/tree/refs%2Fpr%2F1", "http://h:1/a/tree/b", "a--b/c", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		repo, _, err := Parse(s)
		if err != nil {
			return
		}
		if err := repo.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %+v, which Validate refuses: %v", s, repo, err)
		}
		cache := Cache{Dir: "/c"}
		dir := cache.RepoDir(repo.ID)
		if filepath.Dir(dir) != "/c" || strings.Contains(repo.ID, "..") {
			t.Fatalf("Parse(%q): id %q makes the repository directory %s", s, repo.ID, dir)
		}
		ref := filepath.Join(dir, "refs", filepath.FromSlash(repo.rev()))
		if !strings.HasPrefix(ref, dir+"/refs/") {
			t.Fatalf("Parse(%q): revision %q makes the ref %s", s, repo.Revision, ref)
		}
	})
}
