package hub

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/hub/hubtest"
	"bertology/core/progress"
)

// bertFiles are the files the golden BERT's directory holds (config.json, model.safetensors,
// pytorch_model.bin, vocab.txt and the tokenizer's JSON files).
func bertFiles(t *testing.T) map[string][]byte {
	return hubtest.ReadDir(t, golden.Path(t, "bert", "model"))
}

// bertNeeds are the files a model needs of the golden BERT's, in the order discover fetches them.
var bertNeeds = []string{"config.json", "model.safetensors", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"}

// assertSnapshot checks that dir is snapshots/{commit} of id in cache and that each of files there is a
// relative link to ../../blobs/{etag} holding the file's bytes.
func assertSnapshot(t *testing.T, cache Cache, id, commit, dir string, files map[string][]byte, names []string) {
	t.Helper()
	if want := filepath.Join(cache.Dir, "models--"+strings.ReplaceAll(id, "/", "--"), "snapshots", commit); dir != want {
		t.Fatalf("snapshot %s, want %s", dir, want)
	}
	for _, name := range names {
		path := filepath.Join(dir, name)
		target, err := os.Readlink(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want := "../../blobs/" + hubtest.ETag(name, files[name]); target != want {
			t.Errorf("%s links to %s, want %s", name, target, want)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, files[name]) {
			t.Errorf("%s: %d bytes (%v), want the %d of the repository's file", name, len(b), err, len(files[name]))
		}
	}
}

// assertNoPartial fails if a download left a temporary file in the cache.
func assertNoPartial(t *testing.T, cache Cache) {
	t.Helper()
	filepath.WalkDir(cache.Dir, func(path string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(path, ".incomplete") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// TestSnapshot downloads a model into an empty cache, reads it again online (asking only which commit
// main is at) and offline (the server closed), and loads the snapshot directory as a model directory.
func TestSnapshot(t *testing.T) {
	files := bertFiles(t)
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: files})
	commit := srv.Commit("org/bert-tiny", "")
	cache := Cache{Dir: t.TempDir()}
	client := &Client{Endpoint: srv.URL}
	repo := Repo{ID: "org/bert-tiny"}

	var reports []progress.Report
	dir, names, err := cache.Snapshot(context.Background(), client, repo, Model, func(r progress.Report) { reports = append(reports, r) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, bertNeeds) {
		t.Errorf("files %v, want %v", names, bertNeeds)
	}
	assertSnapshot(t, cache, repo.ID, commit, dir, files, bertNeeds)
	assertNoPartial(t, cache)
	if b, err := os.ReadFile(filepath.Join(cache.RepoDir(repo.ID), "refs", "main")); err != nil || string(b) != commit {
		t.Errorf("refs/main holds %q (%v), want %s", b, err, commit)
	}
	for _, absent := range []string{"pytorch_model.bin", "tokenizer.json"} {
		if _, err := os.Lstat(filepath.Join(dir, absent)); err == nil {
			t.Errorf("%s is in the snapshot, though the model does not need it", absent)
		}
	}
	if _, err := os.Stat(filepath.Join(cache.RepoDir(repo.ID), "blobs", hubtest.SHA256(files["pytorch_model.bin"]))); err == nil {
		t.Error("pytorch_model.bin was downloaded beside model.safetensors")
	}
	last := reports[len(reports)-1]
	if n := len(files["vocab.txt"]); last != (progress.Report{Phase: "vocab.txt", Done: n, Total: n}) {
		t.Errorf("last report %+v, want vocab.txt's %d bytes done", last, n)
	}
	var weightReports int
	for _, r := range reports {
		if r.Phase == "model.safetensors" {
			weightReports++
			if r.Total != len(files["model.safetensors"]) || r.Done > r.Total {
				t.Errorf("report %+v, want Done of %d bytes", r, len(files["model.safetensors"]))
			}
		}
	}
	if weightReports < 2 {
		t.Errorf("%d reports of model.safetensors's bytes, want several", weightReports)
	}
	// The first file is asked for at main, the others at the commit main was at then. HEAD asks the
	// Hub; the LFS file's redirect is followed only by the GET.
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	want := []string{
		"HEAD /org/bert-tiny/resolve/main/config.json",
		"GET /org/bert-tiny/resolve/main/config.json",
		"HEAD /org/bert-tiny/resolve/" + commit + "/model.safetensors",
		"GET /org/bert-tiny/resolve/" + commit + "/model.safetensors",
		"GET /blobs/" + hubtest.SHA256(files["model.safetensors"]),
		"HEAD /org/bert-tiny/resolve/" + commit + "/tokenizer.json",
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("requests\n%s\nwant them to start with\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantCk, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ck.Weights) != len(wantCk.Weights) || ck.Config.NumLayers != 3 {
		t.Errorf("the snapshot holds %d weights and %d layers, want %d and 3", len(ck.Weights), ck.Config.NumLayers, len(wantCk.Weights))
	}

	for _, absent := range []string{"tokenizer.json", "vocab.json", "merges.txt"} {
		if _, err := os.Stat(filepath.Join(cache.RepoDir(repo.ID), ".no_exist", commit, absent)); err != nil {
			t.Errorf("the commit's lack of %s is not recorded: %v", absent, err)
		}
	}
	// Again, the Hub is asked only which commit main is at: the cache holds that commit's files, and
	// knows which it lacks.
	t.Run("again", func(t *testing.T) {
		before := len(srv.Requests())
		again, got, err := cache.Snapshot(context.Background(), client, repo, Model, nil)
		if err != nil || again != dir || !slices.Equal(got, bertNeeds) {
			t.Fatalf("second snapshot %s %v, %v; want %s %v", again, got, err, dir, bertNeeds)
		}
		if r := srv.Requests()[before:]; len(r) != 1 || r[0] != (hubtest.Request{Method: http.MethodHead, Path: "/org/bert-tiny/resolve/main/config.json"}) {
			t.Errorf("requests %v, want only HEAD of config.json at main", r)
		}
	})
	t.Run("by commit", func(t *testing.T) {
		before := len(srv.Requests())
		at, _, err := cache.Snapshot(context.Background(), client, Repo{ID: repo.ID, Revision: commit}, Model, nil)
		if err != nil || at != dir {
			t.Fatalf("snapshot at %s: %s, %v; want %s", commit, at, err, dir)
		}
		if r := srv.Requests()[before:]; len(r) != 0 {
			t.Errorf("requests %v, though the cache holds the commit", r)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		down := &Client{Endpoint: "http://" + closedAddr(t)}
		at, got, err := cache.Snapshot(context.Background(), down, repo, Model, nil)
		if err != nil || at != dir || !slices.Equal(got, bertNeeds) {
			t.Fatalf("with the Hub unreachable: %s %v, %v; want the cache's %s", at, got, err, dir)
		}
		if _, _, err := cache.Snapshot(context.Background(), down, Repo{ID: "org/other"}, Model, nil); err == nil {
			t.Error("a repository the cache lacks, with the Hub unreachable: no error")
		}
	})
	t.Run("offline", func(t *testing.T) {
		srv.Close()
		at, got, err := cache.Snapshot(context.Background(), nil, repo, Model, nil)
		if err != nil || at != dir || !slices.Equal(got, bertNeeds) {
			t.Fatalf("offline: %s %v, %v; want %s %v", at, got, err, dir, bertNeeds)
		}
		if _, got, err := cache.Snapshot(context.Background(), nil, repo, Tokenizer, nil); err != nil || slices.Contains(got, "model.safetensors") {
			t.Errorf("offline, the tokenizer's files: %v, %v", got, err)
		}
	})
}

// closedAddr returns the address of a port nothing listens on.
func closedAddr(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

// TestSnapshotOfflineMissing: offline, whatever the cache lacks is an error that says so and names it.
func TestSnapshotOfflineMissing(t *testing.T) {
	files := bertFiles(t)
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: files})
	cache := Cache{Dir: t.TempDir()}
	repo := Repo{ID: "org/bert-tiny"}
	_, _, err := cache.Snapshot(context.Background(), nil, repo, Model, nil)
	if err == nil || !strings.Contains(err.Error(), "org/bert-tiny is not in the cache") || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline with an empty cache: error %v", err)
	}
	dir, _, err := cache.Snapshot(context.Background(), &Client{Endpoint: srv.URL}, repo, Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	_, _, err = cache.Snapshot(context.Background(), nil, repo, Model, nil)
	if err == nil || !strings.Contains(err.Error(), "none of the weight files") || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline without weights: error %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "config.json")); err != nil {
		t.Fatal(err)
	}
	_, _, err = cache.Snapshot(context.Background(), nil, repo, Model, nil)
	if err == nil || !strings.Contains(err.Error(), "config.json of org/bert-tiny is not in the cache") || !errors.Is(err, ErrNotFound) {
		t.Errorf("offline without config.json: error %v", err)
	}
	if _, _, err := cache.Snapshot(context.Background(), nil, Repo{ID: "org/bert-tiny", Revision: "v2"}, Model, nil); err == nil || !strings.Contains(err.Error(), "org/bert-tiny@v2 is not in the cache") {
		t.Errorf("offline, a revision never downloaded: error %v", err)
	}
}

// TestSnapshotRevision reads a branch named like a pull request's (escaped in the URL, a nested ref
// in the cache) beside main.
func TestSnapshotRevision(t *testing.T) {
	bert, distil := bertFiles(t), hubtest.ReadDir(t, golden.Path(t, "distilbert", "model"))
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "gpt2", Files: bert}, hubtest.Repo{ID: "gpt2", Revision: "refs/pr/1", Files: distil})
	cache := Cache{Dir: t.TempDir()}
	client := &Client{Endpoint: srv.URL}
	pr := Repo{ID: "gpt2", Revision: "refs/pr/1"}
	dir, _, err := cache.Snapshot(context.Background(), client, pr, Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	commit := srv.Commit("gpt2", "refs/pr/1")
	assertSnapshot(t, cache, "gpt2", commit, dir, distil, bertNeeds)
	if b, err := os.ReadFile(filepath.Join(cache.Dir, "models--gpt2", "refs", "refs", "pr", "1")); err != nil || string(b) != commit {
		t.Errorf("refs/refs/pr/1 holds %q (%v), want %s", b, err, commit)
	}
	if r := srv.Requests()[0]; r.Path != "/gpt2/resolve/refs%2Fpr%2F1/config.json" {
		t.Errorf("first request %s", r.Path)
	}
	main, _, err := cache.Snapshot(context.Background(), client, Repo{ID: "gpt2"}, Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertSnapshot(t, cache, "gpt2", srv.Commit("gpt2", ""), main, bert, bertNeeds)
	if _, _, err := cache.Snapshot(context.Background(), client, Repo{ID: "gpt2", Revision: "v9"}, Model, nil); err == nil || !strings.Contains(err.Error(), "RevisionNotFound") || !strings.Contains(err.Error(), "no such revision") {
		t.Errorf("an unknown revision: error %v", err)
	}
}

// TestSnapshotChecksBlobs refuses an LFS file whose bytes do not have the sha256 the Hub named,
// keeping nothing of it.
func TestSnapshotChecksBlobs(t *testing.T) {
	files := bertFiles(t)
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: files})
	sha := hubtest.SHA256(files["model.safetensors"])
	bad := bytes.Clone(files["model.safetensors"])
	bad[len(bad)-1] ^= 1
	srv.ReplaceBlob(sha, bad)
	cache := Cache{Dir: t.TempDir()}
	_, _, err := cache.Snapshot(context.Background(), &Client{Endpoint: srv.URL}, Repo{ID: "org/bert-tiny"}, Model, nil)
	if err == nil || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), sha) {
		t.Fatalf("a corrupt blob: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache.RepoDir("org/bert-tiny"), "blobs", sha)); err == nil {
		t.Error("the corrupt blob was kept")
	}
	assertNoPartial(t, cache)
}

// TestSnapshotCancel stops a download through its context: the error says so and the cache keeps
// nothing of the file.
func TestSnapshotCancel(t *testing.T) {
	files := bertFiles(t)
	srv := hubtest.NewServer(t, hubtest.Repo{ID: "org/bert-tiny", Files: files})
	cache := Cache{Dir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report := func(r progress.Report) {
		if r.Phase == "model.safetensors" {
			cancel()
		}
	}
	_, _, err := cache.Snapshot(ctx, &Client{Endpoint: srv.URL}, Repo{ID: "org/bert-tiny"}, Model, report)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache.RepoDir("org/bert-tiny"), "blobs", hubtest.SHA256(files["model.safetensors"]))); err == nil {
		t.Error("the cancelled download was kept")
	}
	assertNoPartial(t, cache)
}

// TestSnapshotRefusesBadHeaders: a server whose commit or ETag would be a path out of the cache, or
// that names no commit at all, is refused.
func TestSnapshotRefusesBadHeaders(t *testing.T) {
	for _, tc := range []struct {
		commit, etag, want string
	}{
		{"0123456789abcdef0123456789abcdef01234567", "../../../evil", "cannot name a file in the cache"},
		{"../x", "abc", "cannot name a file in the cache"},
		{"", "abc", "no X-Repo-Commit"},
		{"abc", "", "no X-Repo-Commit or ETag"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.commit != "" {
				w.Header().Set("X-Repo-Commit", tc.commit)
			}
			if tc.etag != "" {
				w.Header().Set("ETag", `"`+tc.etag+`"`)
			}
			w.Write([]byte("{}"))
		}))
		cache := Cache{Dir: t.TempDir()}
		_, _, err := cache.Snapshot(context.Background(), &Client{Endpoint: srv.URL}, Repo{ID: "org/x"}, Model, nil)
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("commit %q, ETag %q: error %v, want one saying %q", tc.commit, tc.etag, err, tc.want)
		}
		entries, _ := os.ReadDir(cache.Dir)
		for _, e := range entries {
			if e.Name() != "models--org--x" {
				t.Errorf("%s written in the cache", e.Name())
			}
		}
	}
}
