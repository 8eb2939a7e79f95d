package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/hub/hubtest"
	"bertology/wasm/protocol"
)

// dirServer serves files as a model directory at /model/ and records the paths asked for.
type dirServer struct {
	*httptest.Server
	mu    sync.Mutex
	asked []string
}

func serveDir(t *testing.T, files map[string][]byte) *dirServer {
	s := &dirServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.asked = append(s.asked, r.URL.Path)
		s.mu.Unlock()
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/model/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *dirServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

// shardedBERT is the golden BERT as a sharded checkpoint: an index that lists every weight in one
// shard, model-00001-of-00001.safetensors, without model.safetensors.
func shardedBERT(t *testing.T) map[string][]byte {
	t.Helper()
	files := readModel(t, "bert")
	weights, _, err := checkpoint.ReadSafetensors(files["model.safetensors"])
	if err != nil {
		t.Fatal(err)
	}
	const shard = "model-00001-of-00001.safetensors"
	weightMap := map[string]string{}
	for name := range weights {
		weightMap[name] = shard
	}
	index, err := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": len(files["model.safetensors"])}, "weight_map": weightMap})
	if err != nil {
		t.Fatal(err)
	}
	files[shard], files["model.safetensors.index.json"] = files["model.safetensors"], index
	delete(files, "model.safetensors")
	delete(files, "pytorch_model.bin")
	return files
}

// assertGoldenBERT checks that the lab's model computes the golden BERT's logits for the golden input.
func assertGoldenBERT(t *testing.T, l *Lab) {
	t.Helper()
	var g bertGolden
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	ids, typeIDs, logits, _ := g.sequence(0)
	out := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{IDs: ids, TypeIDs: typeIDs})
	golden.AssertClose(t, "logits", out.Logits.Data, logits, 1e-5)
}

// TestLoadModelURL opens model directories by URL: the lab asks for the files transformers reads, in
// its order, and for no others (the .bin beside model.safetensors), or only for those the directory's
// files.json or the request lists.
func TestLoadModelURL(t *testing.T) {
	bert := readModel(t, "bert")
	listed := maps.Clone(bert)
	listed["files.json"] = []byte(`["config.json", "model.safetensors", "vocab.txt"]`)
	wantAll := []string{"/model/files.json", "/model/config.json", "/model/model.safetensors", "/model/tokenizer.json", "/model/tokenizer_config.json",
		"/model/special_tokens_map.json", "/model/vocab.txt", "/model/vocab.json", "/model/merges.txt", "/model/tokenizer.model"}
	for _, tc := range []struct {
		name       string
		files      map[string][]byte
		list       []string
		wantAsked  []string
		wantLoaded []string
	}{
		{"bert", bert, nil, wantAll,
			[]string{"config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}},
		{"files.json", listed, nil, []string{"/model/files.json", "/model/config.json", "/model/model.safetensors", "/model/vocab.txt"},
			[]string{"config.json", "model.safetensors", "vocab.txt"}},
		{"files of the request", bert, []string{"config.json", "pytorch_model.bin", "vocab.txt"},
			[]string{"/model/config.json", "/model/pytorch_model.bin", "/model/vocab.txt"}, []string{"config.json", "pytorch_model.bin", "vocab.txt"}},
		{"sharded", shardedBERT(t), nil,
			[]string{"/model/files.json", "/model/config.json", "/model/model.safetensors", "/model/model.safetensors.index.json", "/model/model-00001-of-00001.safetensors",
				"/model/tokenizer.json", "/model/tokenizer_config.json", "/model/special_tokens_map.json", "/model/vocab.txt", "/model/vocab.json", "/model/merges.txt", "/model/tokenizer.model"},
			[]string{"config.json", "model-00001-of-00001.safetensors", "model.safetensors.index.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveDir(t, tc.files)
			l := New()
			var bytesReported []protocol.Progress
			res, err := callErr(l, context.Background(), protocol.OpLoadModelURL, &protocol.LoadModelURLRequest{URL: srv.URL + "/model", Files: tc.list},
				func(p protocol.Progress) {
					if p.Unit == "bytes" {
						bytesReported = append(bytesReported, p)
					}
				})
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.requests(); !slices.Equal(got, tc.wantAsked) {
				t.Errorf("asked for\n%v\nwant\n%v", got, tc.wantAsked)
			}
			if got := res.(*protocol.ModelInfo).Files; !slices.Equal(got, tc.wantLoaded) {
				t.Errorf("loaded %v, want %v", got, tc.wantLoaded)
			}
			last := protocol.Progress{}
			for _, p := range bytesReported {
				if p.Phase == "config.json" {
					last = p
				}
			}
			if n := len(tc.files["config.json"]); last != (protocol.Progress{Phase: "config.json", Done: n, Total: n, Unit: "bytes"}) {
				t.Errorf("the last report of config.json's bytes is %+v, want %d of %d", last, n, n)
			}
			assertGoldenBERT(t, l)
		})
	}
}

func TestLoadModelURLErrors(t *testing.T) {
	bert := readModel(t, "bert")
	noWeights := map[string][]byte{"config.json": bert["config.json"], "vocab.txt": bert["vocab.txt"]}
	badList := maps.Clone(bert)
	badList["files.json"] = []byte(`{"config.json": true}`)
	srv := serveDir(t, noWeights)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	for _, tc := range []struct {
		name, url string
		want      string
	}{
		{"no url", " ", "loadModelURL: url: want the URL of a model directory"},
		{"no config", srv.URL + "/nothing/", "loadModelURL: " + srv.URL + "/nothing/config.json could not be fetched"},
		{"no weights", srv.URL + "/model/", "no weights: none of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json"},
		{"bad files.json", serveDir(t, badList).URL + "/model/", "files.json: want a JSON array of the directory's file names"},
		{"server down", broken.URL + "/m/", "loadModelURL: " + broken.URL + "/m/files.json: 503 Service Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := loadBERT(t)
			_, err := callErr(l, context.Background(), protocol.OpLoadModelURL, &protocol.LoadModelURLRequest{URL: tc.url}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			assertGoldenBERT(t, l) // the model loaded before stays
		})
	}
}

// TestLoadModelURLs loads the files a user picked, given by the addresses the page's worker makes
// of them: only those the model needs are fetched.
func TestLoadModelURLs(t *testing.T) {
	files := shardedBERT(t)
	files["tf_model.h5"] = []byte("TensorFlow's weights, which nobody needs")
	srv := serveDir(t, files)
	urls := map[string]string{}
	for name := range files {
		urls[name] = srv.URL + "/model/" + name
	}
	l := New()
	info := call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{URLs: urls, Name: "bert-sharded"})
	if want := []string{"config.json", "model-00001-of-00001.safetensors", "model.safetensors.index.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}; !slices.Equal(info.Files, want) {
		t.Errorf("loaded %v, want %v", info.Files, want)
	}
	if slices.Contains(srv.requests(), "/model/tf_model.h5") {
		t.Error("tf_model.h5 was fetched")
	}
	assertGoldenBERT(t, l)

	delete(urls, "config.json")
	_, err := callErr(l, context.Background(), protocol.OpLoadModel, &protocol.LoadModelRequest{URLs: urls}, nil)
	if err == nil || !strings.Contains(err.Error(), "none of the picked files (model-00001-of-00001.safetensors, model.safetensors.index.json, special_tokens_map.json, tf_model.h5, tokenizer_config.json, vocab.txt) is config.json") {
		t.Errorf("no config.json picked: error %v", err)
	}
	_, err = callErr(l, context.Background(), protocol.OpLoadModel, &protocol.LoadModelRequest{URLs: urls, Files: files}, nil)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("files and urls: error %v", err)
	}
}

// memStore is a Store in memory, as the browser's Cache Storage is one on disk.
type memStore struct {
	mu      sync.Mutex
	entries map[string][]byte
	failPut string // a key whose Put fails, as a full store's does
}

func newMemStore() *memStore { return &memStore{entries: map[string][]byte{}} }

func (s *memStore) Put(key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPut != "" && strings.HasSuffix(key, s.failPut) {
		return errors.New("QuotaExceededError: the quota has been exceeded")
	}
	s.entries[key] = slices.Clone(data)
	return nil
}

func (s *memStore) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.entries[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	return b, nil
}

func (s *memStore) Keys() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.entries)), nil
}

func (s *memStore) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
	return nil
}

// TestLoadHubModel downloads a model from a Hub by its id, keeps it, and opens it again at its commit
// from the kept copy with no request to the Hub; deleting it leaves nothing in the store.
func TestLoadHubModel(t *testing.T) {
	bert := readModel(t, "bert")
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: bert}, hubtest.Repo{ID: "org/sharded", Files: shardedBERT(t)})
	commit := srv.Commit("org/bert-tiny", "")
	store := newMemStore()
	l := New()
	l.KeepIn(store)
	var downloaded []protocol.Progress
	start := time.Now().UTC().Truncate(time.Second)
	res, err := callErr(l, context.Background(), protocol.OpLoadHubModel, &protocol.HubRequest{Model: "org/bert-tiny", Endpoint: srv.URL + "/"},
		func(p protocol.Progress) {
			if p.Unit == "bytes" {
				downloaded = append(downloaded, p)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	got := res.(*protocol.HubModelInfo)
	needs := []string{"config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}
	size := 0
	for _, name := range needs {
		size += len(bert[name])
	}
	want := protocol.HubModel{Endpoint: srv.URL, ID: "org/bert-tiny", Revision: "main", Commit: commit, Files: needs, Bytes: size, KeptAt: got.Hub.KeptAt}
	if !reflect.DeepEqual(got.Hub, want) || got.FromKept || got.KeepError != "" {
		t.Errorf("hub model %+v (from kept %v, keep error %q), want %+v", got.Hub, got.FromKept, got.KeepError, want)
	}
	if kept, err := time.Parse(time.RFC3339, got.Hub.KeptAt); err != nil || kept.Before(start) {
		t.Errorf("kept at %q, want a time since %v (%v)", got.Hub.KeptAt, start, err)
	}
	if !slices.Equal(got.Model.Files, needs) || got.Model.Type != "bert" {
		t.Errorf("model %+v", got.Model)
	}
	n := len(bert["model.safetensors"])
	if i := slices.IndexFunc(downloaded, func(p protocol.Progress) bool { return p.Phase == "model.safetensors" && p.Done == n }); i < 0 || downloaded[i].Total != n {
		t.Errorf("no report of model.safetensors' %d bytes done: %+v", n, downloaded)
	}
	assertGoldenBERT(t, l)

	// The store holds each file under its address at the commit, and the entry under the commit's.
	dir := srv.URL + "/org/bert-tiny/resolve/" + commit + "/"
	keys, _ := store.Keys()
	wantKeys := []string{dir}
	for _, name := range needs {
		wantKeys = append(wantKeys, dir+name)
	}
	if !slices.Equal(keys, slices.Sorted(slices.Values(wantKeys))) {
		t.Errorf("store keys\n%v\nwant\n%v", keys, wantKeys)
	}
	for _, name := range needs {
		if b, _ := store.Get(dir + name); string(b) != string(bert[name]) {
			t.Errorf("%s: kept %d bytes, not the repository's %d", name, len(b), len(bert[name]))
		}
	}
	list := call[protocol.KeptModels](t, l, protocol.OpKeptModels, nil)
	if len(list.Models) != 1 || !reflect.DeepEqual(list.Models[0], got.Hub) || list.Unavailable != "" {
		t.Fatalf("kept models %+v, want the one downloaded", list)
	}

	// At the commit, from the kept copy, with no request to the Hub, in a fresh lab.
	before := len(srv.Requests())
	l = New()
	l.KeepIn(store)
	again := call[protocol.HubModelInfo](t, l, protocol.OpLoadHubModel, &protocol.HubRequest{Model: "org/bert-tiny", Revision: commit, Endpoint: srv.URL})
	if !again.FromKept || !reflect.DeepEqual(again.Hub, got.Hub) || !slices.Equal(again.Model.Files, needs) {
		t.Errorf("opened again: %+v, want it from the kept copy", again)
	}
	if after := srv.Requests(); len(after) != before {
		t.Errorf("opening the kept copy asked the Hub for %v", after[before:])
	}
	assertGoldenBERT(t, l)

	// A sharded checkpoint, by the address of its page.
	sharded := call[protocol.HubModelInfo](t, l, protocol.OpLoadHubModel, &protocol.HubRequest{Model: srv.URL + "/org/sharded/tree/main"})
	if want := []string{"config.json", "model-00001-of-00001.safetensors", "model.safetensors.index.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"}; !slices.Equal(sharded.Hub.Files, want) || sharded.KeepError != "" {
		t.Errorf("sharded: files %v (keep error %q), want %v", sharded.Hub.Files, sharded.KeepError, want)
	}
	assertGoldenBERT(t, l)
	if list := call[protocol.KeptModels](t, l, protocol.OpKeptModels, nil); len(list.Models) != 2 {
		t.Fatalf("kept models %+v, want two", list)
	}

	left := call[protocol.KeptModels](t, l, protocol.OpDeleteKeptModel, &protocol.DeleteKeptModelRequest{Endpoint: srv.URL, Model: "org/bert-tiny", Commit: commit})
	if len(left.Models) != 1 || left.Models[0].ID != "org/sharded" {
		t.Errorf("after deleting org/bert-tiny: %+v", left)
	}
	call[protocol.KeptModels](t, l, protocol.OpDeleteKeptModel, &protocol.DeleteKeptModelRequest{Endpoint: sharded.Hub.Endpoint, Model: "org/sharded", Commit: sharded.Hub.Commit})
	if keys, _ := store.Keys(); len(keys) != 0 {
		t.Errorf("the store still holds %v", keys)
	}
	_, err = callErr(l, context.Background(), protocol.OpDeleteKeptModel, &protocol.DeleteKeptModelRequest{Endpoint: srv.URL, Model: "org/bert-tiny", Commit: commit}, nil)
	if err == nil || !strings.Contains(err.Error(), "is not kept") {
		t.Errorf("deleting it twice: error %v", err)
	}
}

// TestHubFiles downloads what transformers reads, as Node's readHubModel gives it, and the commit.
func TestHubFiles(t *testing.T) {
	bert := readModel(t, "bert")
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/private", Files: bert, Token: "hf_secret"})
	l := New()
	got := call[protocol.HubFiles](t, l, protocol.OpHubFiles, &protocol.HubRequest{Model: "org/private", Endpoint: srv.URL, Token: "hf_secret"})
	if got.Commit != srv.Commit("org/private", "") {
		t.Errorf("commit %q, want %q", got.Commit, srv.Commit("org/private", ""))
	}
	for _, name := range []string{"config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"} {
		if string(got.Files[name]) != string(bert[name]) {
			t.Errorf("%s: %d bytes, not the repository's %d", name, len(got.Files[name]), len(bert[name]))
		}
	}
	if len(got.Files) != 5 {
		t.Errorf("files %v", slices.Sorted(maps.Keys(got.Files)))
	}
}

func TestLoadHubModelErrors(t *testing.T) {
	bert := readModel(t, "bert")
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: bert}, hubtest.Repo{ID: "org/private", Files: bert, Token: "hf_secret"})
	for _, tc := range []struct {
		name string
		req  protocol.HubRequest
		want string
	}{
		{"bad id", protocol.HubRequest{Model: "../etc", Endpoint: srv.URL}, `"../etc" is not a model id`},
		{"bad endpoint", protocol.HubRequest{Model: "org/bert-tiny", Endpoint: "file:///etc"}, `endpoint "file:///etc" is not the address of a Hub`},
		{"bad revision", protocol.HubRequest{Model: "org/bert-tiny", Revision: "../main", Endpoint: srv.URL}, `is not a revision`},
		{"no such revision", protocol.HubRequest{Model: "org/bert-tiny", Revision: "v9", Endpoint: srv.URL}, "404 Not Found (RevisionNotFound"},
		{"no such repository", protocol.HubRequest{Model: "org/none", Endpoint: srv.URL}, "401 Unauthorized (RepoNotFound"},
		{"private", protocol.HubRequest{Model: "org/private", Endpoint: srv.URL}, "the repository is private or gated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := loadBERT(t)
			_, err := callErr(l, context.Background(), protocol.OpLoadHubModel, &tc.req, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "loadHubModel: ") {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			assertGoldenBERT(t, l)
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		l := New()
		ctx, cancel := context.WithCancel(context.Background())
		_, err := callErr(l, ctx, protocol.OpLoadHubModel, &protocol.HubRequest{Model: "org/bert-tiny", Endpoint: srv.URL}, func(p protocol.Progress) {
			if p.Unit == "bytes" {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})

	t.Run("the store is full", func(t *testing.T) {
		store := newMemStore()
		store.failPut = "vocab.txt"
		l := New()
		l.KeepIn(store)
		res := call[protocol.HubModelInfo](t, l, protocol.OpLoadHubModel, &protocol.HubRequest{Model: "org/bert-tiny", Endpoint: srv.URL})
		if !strings.Contains(res.KeepError, "keeping vocab.txt: QuotaExceededError") || res.Hub.KeptAt != "" {
			t.Errorf("keep error %q, kept at %q; want the store's error, and not kept", res.KeepError, res.Hub.KeptAt)
		}
		assertGoldenBERT(t, l) // loaded all the same
		if keys, _ := store.Keys(); len(keys) != 0 {
			t.Errorf("a model half kept is left in the store: %v", keys)
		}
		if list := call[protocol.KeptModels](t, l, protocol.OpKeptModels, nil); len(list.Models) != 0 {
			t.Errorf("kept models %+v, want none", list)
		}
	})

	t.Run("no store", func(t *testing.T) {
		l := New()
		res := call[protocol.HubModelInfo](t, l, protocol.OpLoadHubModel, &protocol.HubRequest{Model: "org/bert-tiny", Endpoint: srv.URL})
		if res.Hub.KeptAt != "" || res.KeepError != "" {
			t.Errorf("without a store: %+v", res.Hub)
		}
		if list := call[protocol.KeptModels](t, l, protocol.OpKeptModels, nil); list.Unavailable != "this host keeps no models" || len(list.Models) != 0 {
			t.Errorf("kept models without a store: %+v", list)
		}
	})
}

// FuzzHubModelOf reads requests as the page and Node send them: what it accepts names a repository
// the Hub can hold, at a revision it can hold, on an http(s) endpoint, and the keys its files are kept
// under stay below that model's commit.
func FuzzHubModelOf(f *testing.F) {
	for _, seed := range [][3]string{
		{"org/bert-tiny", "", ""}, {"gpt2", "v1.0", "https://hf-mirror.com/"}, {"https://huggingface.co/org/name/tree/refs%2Fpr%2F1", "", ""},
		{"org/name", "0123456789abcdef0123456789abcdef01234567", "http://127.0.0.1:8080"}, {"../x", "", ""}, {"org/name", "", "file:///etc"},
		{"org/name", "", "https://user:pw@host/"}, {"org/name", "a/../b", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, model, revision, endpoint string) {
		h, err := hubModelOf(&protocol.HubRequest{Model: model, Revision: revision, Endpoint: endpoint})
		if err != nil {
			return
		}
		if err := h.repo.Validate(); err != nil {
			t.Fatalf("%q %q %q: accepted %+v, which Validate refuses: %v", model, revision, endpoint, h.repo, err)
		}
		if !strings.HasPrefix(h.client.Endpoint, "http://") && !strings.HasPrefix(h.client.Endpoint, "https://") {
			t.Fatalf("%q %q %q: endpoint %q", model, revision, endpoint, h.client.Endpoint)
		}
		m := h.entry("0123456789abcdef0123456789abcdef01234567", nil)
		dir := keptKey(m, "")
		if want := h.client.Endpoint + "/" + h.repo.ID + "/resolve/" + m.Commit + "/"; dir != want {
			t.Fatalf("%q %q %q: entry kept under %q, want %q", model, revision, endpoint, dir, want)
		}
		if key := keptKey(m, "config.json"); key != dir+"config.json" {
			t.Fatalf("config.json kept under %q, not below %q", key, dir)
		}
	})
}
