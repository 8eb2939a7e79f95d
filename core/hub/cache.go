package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"bertology/core/progress"
)

// Cache is a Hub cache directory ($HF_HUB_CACHE), laid out as huggingface_hub lays it out so that
// transformers and bertology share it. Each repository has a directory models--{org}--{name} holding
//
//	blobs/{etag}                  each file's bytes, named by its ETag (see FileInfo)
//	snapshots/{commit}/{file}     a relative symbolic link to ../../blobs/{etag}
//	refs/{revision}               the commit the revision was at when last read
//	.no_exist/{commit}/{file}     an empty file: the commit has no such file
//
// A snapshot directory is then a model directory that checkpoint.LoadDir reads.
type Cache struct {
	Dir string
}

// RepoDir returns the directory of repository id: models--{org}--{name}.
func (c Cache) RepoDir(id string) string {
	return filepath.Join(c.Dir, "models--"+strings.ReplaceAll(id, "/", "--"))
}

// SnapshotDir returns the directory of repository id's files at commit.
func (c Cache) SnapshotDir(id, commit string) string {
	return filepath.Join(c.RepoDir(id), "snapshots", commit)
}

// Commit returns the commit of repo's revision that the cache holds: the revision itself when it is
// a commit hash with a snapshot, else what refs/{revision} says.
func (c Cache) Commit(repo Repo) (string, error) {
	if err := repo.Validate(); err != nil {
		return "", err
	}
	rev := repo.rev()
	if isCommit(rev) {
		if _, err := os.Stat(c.SnapshotDir(repo.ID, rev)); err == nil {
			return rev, nil
		}
	}
	ref := filepath.Join(c.RepoDir(repo.ID), "refs", filepath.FromSlash(rev))
	b, err := os.ReadFile(ref)
	if err != nil {
		return "", fmt.Errorf("hub: %s is not in the cache %s (%w)", repo, c.Dir, err)
	}
	commit := strings.TrimSpace(string(b))
	if !isPathPart(commit) {
		return "", fmt.Errorf("hub: %s holds %q, not a commit", ref, commit)
	}
	return commit, nil
}

// Snapshot makes the files the model in repo needs (discover's order) present in the cache, downloading
// through client those the cache lacks, and returns the snapshot directory that holds them and their
// names. report receives each download's bytes (see Client.Download).
//
// With client nil (offline, HF_HUB_OFFLINE) nothing is downloaded: the cache must hold the revision
// and every file the model needs. Online, a file of a commit the cache holds is not asked for again;
// for a branch or a tag the Hub is asked which commit it is at (a HEAD request per file) and only blobs
// the cache lacks are downloaded. When the Hub cannot be reached at all, the cache's snapshot of the
// revision serves, as in huggingface_hub.
func (c Cache) Snapshot(ctx context.Context, client *Client, repo Repo, what What, report progress.Func) (string, []string, error) {
	if err := repo.Validate(); err != nil {
		return "", nil, err
	}
	f := &cacheFetcher{cache: c, client: client, repo: repo, report: report}
	if client == nil {
		commit, err := c.Commit(repo)
		if err != nil {
			return "", nil, fmt.Errorf("%w, and offline (HF_HUB_OFFLINE) nothing is downloaded", err)
		}
		f.commit = commit
	} else if isCommit(repo.rev()) {
		f.commit = repo.rev()
	}
	files, err := discover(ctx, f, repo, what)
	if err != nil {
		return "", nil, err
	}
	return c.SnapshotDir(repo.ID, f.commit), files, nil
}

// cacheFetcher fetches files into the cache.
type cacheFetcher struct {
	cache  Cache
	client *Client // nil: offline
	repo   Repo
	report progress.Func
	// commit is the snapshot's, once known; files are then asked for at it.
	commit string
	// unreachable is why the Hub could not be reached, after which the cache serves alone.
	unreachable error
}

// cacheMiss is a file of an offline snapshot that the cache lacks.
type cacheMiss struct {
	file, path string
	repo       Repo
	why        string
}

func (e *cacheMiss) Error() string {
	return fmt.Sprintf("hub: %s of %s is not in the cache (%s), %s", e.file, e.repo, e.path, e.why)
}

func (e *cacheMiss) Is(target error) bool { return target == ErrNotFound }

func (f *cacheFetcher) snapshotFile(file string) string {
	return filepath.Join(f.cache.SnapshotDir(f.repo.ID, f.commit), file)
}

// cached reports whether the snapshot holds file, as a link to a blob that is there.
func (f *cacheFetcher) cached(file string) bool {
	if f.commit == "" {
		return false
	}
	st, err := os.Stat(f.snapshotFile(file))
	return err == nil && st.Mode().IsRegular()
}

func (f *cacheFetcher) fetch(ctx context.Context, file string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	offline := func(why string) error {
		if f.cached(file) {
			return nil
		}
		return &cacheMiss{file: file, path: f.snapshotFile(file), repo: f.repo, why: why}
	}
	switch {
	case f.client == nil:
		return offline("and offline (HF_HUB_OFFLINE) nothing is downloaded")
	case f.unreachable != nil:
		return offline(fmt.Sprintf("and the Hub could not be reached: %v", f.unreachable))
	case isCommit(f.commit) && f.cached(file):
		return nil // a commit's files never change
	case isCommit(f.commit) && f.knownAbsent(file):
		return fmt.Errorf("hub: %s has no %s at %s (%s): %w", f.repo.ID, file, f.commit, f.absentMark(file), ErrNotFound)
	}
	at := f.repo
	if f.commit != "" {
		at.Revision = f.commit
	}
	info, err := f.client.Info(ctx, at, file)
	if err != nil {
		var status *StatusError
		if errors.As(err, &status) && missingFile(err) && isCommit(f.commit) {
			f.markAbsent(file)
		}
		if ctx.Err() != nil || status != nil {
			return err
		}
		// The Hub is out of reach: what the cache holds of the revision serves, if anything.
		if f.commit == "" {
			commit, cerr := f.cache.Commit(f.repo)
			if cerr != nil {
				return err
			}
			f.commit = commit
		}
		f.unreachable = err
		return offline(fmt.Sprintf("and the Hub could not be reached: %v", err))
	}
	if !isPathPart(info.Commit) || !isPathPart(info.ETag) {
		return fmt.Errorf("hub: %s: the commit %q or the ETag %q cannot name a file in the cache", f.client.URL(at, file), info.Commit, info.ETag)
	}
	if f.commit == "" {
		f.commit = info.Commit
		if err := f.writeRef(); err != nil {
			return err
		}
	} else if info.Commit != f.commit {
		return fmt.Errorf("hub: %s: the Hub answered for commit %s, the snapshot is of %s", f.client.URL(at, file), info.Commit, f.commit)
	}
	blob := filepath.Join(f.cache.RepoDir(f.repo.ID), "blobs", info.ETag)
	if st, err := os.Stat(blob); err != nil || info.Size >= 0 && st.Size() != info.Size {
		if err := f.download(ctx, at, file, info, blob); err != nil {
			return err
		}
	}
	return f.link(file, blob)
}

func (f *cacheFetcher) read(file string) ([]byte, error) { return os.ReadFile(f.snapshotFile(file)) }

// absentMark is the empty file that records that the snapshot's commit has no such file:
// .no_exist/{commit}/{file}, as huggingface_hub records it, so that an optional file is not asked for
// again.
func (f *cacheFetcher) absentMark(file string) string {
	return filepath.Join(f.cache.RepoDir(f.repo.ID), ".no_exist", f.commit, file)
}

func (f *cacheFetcher) knownAbsent(file string) bool {
	_, err := os.Stat(f.absentMark(file))
	return err == nil
}

// markAbsent records that the commit has no such file. It is only a shortcut: failing to record it
// costs a request next time, so its errors are ignored.
func (f *cacheFetcher) markAbsent(file string) {
	mark := f.absentMark(file)
	if os.MkdirAll(filepath.Dir(mark), 0o755) == nil {
		os.WriteFile(mark, nil, 0o644)
	}
}

// download writes file into a temporary file beside blob, checks it, and renames it blob, so that a
// blob in the cache is always whole. A file in LFS, whose ETag is its sha256, must have that sha256.
func (f *cacheFetcher) download(ctx context.Context, at Repo, file string, info FileInfo, blob string) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(blob), info.ETag+".*.incomplete")
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	defer os.Remove(tmp.Name()) // nothing to remove once renamed
	var sum hash.Hash
	w := io.Writer(tmp)
	if isSHA256(info.ETag) {
		sum = sha256.New()
		w = io.MultiWriter(tmp, sum)
	}
	got, err := f.client.Download(ctx, at, file, w, f.report)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if info.Size >= 0 && got.Size != info.Size {
		return fmt.Errorf("hub: %s: downloaded %d bytes, the Hub said %d", f.client.URL(at, file), got.Size, info.Size)
	}
	if sum != nil && hex.EncodeToString(sum.Sum(nil)) != info.ETag {
		return fmt.Errorf("hub: %s: the file downloaded has sha256 %x, the Hub said %s", f.client.URL(at, file), sum.Sum(nil), info.ETag)
	}
	if err := os.Rename(tmp.Name(), blob); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

// link points the snapshot's file at blob with a relative link, replacing any link there.
func (f *cacheFetcher) link(file, blob string) error {
	path := f.snapshotFile(file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	target, err := filepath.Rel(filepath.Dir(path), blob)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if old, err := os.Readlink(path); err == nil && old == target {
		return nil
	}
	tmp := path + ".incomplete"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

// writeRef records in refs/{revision} the commit the revision is at, unless the revision is that commit.
func (f *cacheFetcher) writeRef() error {
	rev := f.repo.rev()
	if rev == f.commit {
		return nil
	}
	ref := filepath.Join(f.cache.RepoDir(f.repo.ID), "refs", filepath.FromSlash(rev))
	if b, err := os.ReadFile(ref); err == nil && string(b) == f.commit {
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hub: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(ref), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	tmp := ref + ".incomplete"
	if err := os.WriteFile(tmp, []byte(f.commit), 0o644); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if err := os.Rename(tmp, ref); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

// isPathPart reports whether s can be one part of a path in the cache (a commit, an ETag): letters,
// digits, '-', '_' and '.', not starting with '.', at most 255 bytes.
func isPathPart(s string) bool {
	return s != "" && len(s) <= 255 && s[0] != '.' && strings.IndexFunc(s, notNameRune) < 0
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
