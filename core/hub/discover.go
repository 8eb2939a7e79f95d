package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/progress"
)

// What says which of a model's files to fetch.
type What int

const (
	// Model is config.json, the weights and the tokenizer's files.
	Model What = iota
	// Tokenizer is config.json and the tokenizer's files, for a command that only tokenizes.
	Tokenizer
)

// fetcher gets the files of one revision of a repository, into the cache or into memory.
type fetcher interface {
	// fetch gets file; its error satisfies missingFile when the repository has no such file.
	fetch(ctx context.Context, file string) error
	// read returns the bytes of a file fetched.
	read(file string) ([]byte, error)
}

// discover fetches what the model in repo needs, the files checkpoint.Discover finds, in its order
// (transformers'): config.json, then the first of checkpoint.WeightFiles the repository has (and the
// shards an index lists) unless what is Tokenizer, then each of the tokenizer's files it has. It
// returns the names of the files fetched.
func discover(ctx context.Context, f fetcher, repo Repo, what What) ([]string, error) {
	var fetchErr, readErr error // errors of f, passed on as they are
	fetch := func(name string) error {
		err := f.fetch(ctx, name)
		switch {
		case err == nil:
			return nil
		case missingFile(err):
			return absent{err}
		}
		fetchErr = err
		return err
	}
	read := func(name string) ([]byte, error) {
		b, err := f.read(name)
		readErr = err
		return b, err
	}
	names, err := checkpoint.Discover(fetch, read, what == Model)
	var miss *cacheMiss
	switch {
	case err == nil:
		return names, nil
	case err == fetchErr || err == readErr:
		return nil, err
	case errors.Is(err, checkpoint.ErrNoConfig) && errors.As(err, &miss):
		return nil, miss
	case errors.Is(err, checkpoint.ErrNoConfig):
		return nil, fmt.Errorf("hub: %s has no config.json, which every model has: %w", repo, err)
	case errors.Is(err, checkpoint.ErrNoWeights) && errors.As(err, &miss):
		return nil, fmt.Errorf("hub: the cache holds none of the weight files of %s (%s) in %s, %s",
			repo, strings.Join(checkpoint.WeightFiles, ", "), filepath.Dir(miss.path), miss.why)
	case errors.Is(err, checkpoint.ErrNoWeights):
		return nil, fmt.Errorf("hub: %s has no weights: none of %s", repo, strings.Join(checkpoint.WeightFiles, ", "))
	}
	return nil, fmt.Errorf("hub: %s: %w", repo, err)
}

// absent is the error of a file the repository lacks, which checkpoint.Discover tells by
// fs.ErrNotExist; it keeps the error it wraps (a 404, a cache miss) for the message.
type absent struct{ error }

func (a absent) Is(target error) bool { return target == fs.ErrNotExist }
func (a absent) Unwrap() error        { return a.error }

// Files downloads what the model in repo needs (discover's order) into memory, by name, as
// checkpoint.LoadFiles takes them. report receives each file's bytes (see Download). After the first
// file the revision is pinned to the commit the Hub named, so that every file comes from one commit,
// which Files returns ("" when the Hub named none, as a plain static server does not).
func (c *Client) Files(ctx context.Context, repo Repo, what What, report progress.Func) (files map[string][]byte, commit string, err error) {
	m := &memoryFetcher{client: c, repo: repo, report: report, files: map[string][]byte{}}
	names, err := discover(ctx, m, repo, what)
	if err != nil {
		return nil, "", err
	}
	files = make(map[string][]byte, len(names))
	for _, n := range names {
		files[n] = m.files[n]
	}
	return files, m.commit, nil
}

// memoryFetcher downloads into memory.
type memoryFetcher struct {
	client *Client
	repo   Repo
	report progress.Func
	files  map[string][]byte
	commit string // the commit the Hub named first
}

func (m *memoryFetcher) fetch(ctx context.Context, file string) error {
	var b bytes.Buffer
	info, err := m.client.Download(ctx, m.repo, file, &b, m.report)
	if err != nil {
		return err
	}
	if info.Commit != "" && validateRevision(info.Commit) == nil {
		m.repo.Revision, m.commit = info.Commit, info.Commit
	}
	m.files[file] = b.Bytes()
	return nil
}

func (m *memoryFetcher) read(file string) ([]byte, error) { return m.files[file], nil }
