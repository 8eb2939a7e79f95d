package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// hubSnapshot lays out the files of src as the Hugging Face Hub cache does: each file's bytes in
// blobs/<sha256>, and snapshots/<commit>/<name> a relative symbolic link to ../../blobs/<sha256>. It
// returns the snapshot directory.
func hubSnapshot(t *testing.T, src string) string {
	t.Helper()
	repo := filepath.Join(t.TempDir(), "models--org--name")
	snapshot := filepath.Join(repo, "snapshots", "0123456789abcdef0123456789abcdef01234567")
	for _, d := range []string{filepath.Join(repo, "blobs"), snapshot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		blob := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(repo, "blobs", blob), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..", "..", "blobs", blob), filepath.Join(snapshot, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return snapshot
}

// TestLoadDirHubSnapshot loads a directory whose files are symbolic links, as a snapshot of the Hub
// cache is: the same checkpoint as the directory of real files it was made from.
func TestLoadDirHubSnapshot(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			want, err := LoadDir(golden.Path(t, arch, "model"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := LoadDir(hubSnapshot(t, golden.Path(t, arch, "model")))
			if err != nil {
				t.Fatal(err)
			}
			assertSameTensors(t, arch, got.Weights, want.Weights)
			if g, w := slices.Sorted(maps.Keys(got.Files)), slices.Sorted(maps.Keys(want.Files)); !slices.Equal(g, w) {
				t.Errorf("other files %v, want %v", g, w)
			}
		})
	}
}

// TestLoadDirLinks: a link to a directory is not a file of the model and is left alone; a link whose
// target is gone (a blob deleted from the cache) is an error that names it.
func TestLoadDirLinks(t *testing.T) {
	snapshot := hubSnapshot(t, golden.Path(t, "bert", "model"))
	if err := os.Symlink("..", filepath.Join(snapshot, "parent")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(snapshot); err != nil {
		t.Fatalf("a link to a directory: %v", err)
	}
	target, err := filepath.EvalSymlinks(filepath.Join(snapshot, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(target); err != nil {
		t.Fatal(err)
	}
	_, err = LoadDir(snapshot)
	if err == nil || !strings.Contains(err.Error(), "vocab.txt") {
		t.Fatalf("a link to a deleted blob: error %v, want one naming vocab.txt", err)
	}
}
