package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"bertology/core/progress"
)

// ConfigFile is the file every model repository has.
const ConfigFile = "config.json"

// WeightFiles are the weight files transformers' from_pretrained looks for, in its order; the first
// the repository has holds the model. An index (.index.json) lists in its weight_map the shards that
// hold the weights, which are fetched after it.
var WeightFiles = []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}

// TokenizerFiles are the tokenizer's files that AutoTokenizer looks for; a repository has some of them.
var TokenizerFiles = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt"}

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

// discover fetches what the model in repo needs, in transformers' order: config.json, then the first
// of WeightFiles the repository has (and the shards an index lists), then each of TokenizerFiles it
// has. It returns the names of the files fetched.
func discover(ctx context.Context, f fetcher, repo Repo, what What) ([]string, error) {
	if err := f.fetch(ctx, ConfigFile); err != nil {
		var miss *cacheMiss
		if missingFile(err) && !errors.As(err, &miss) {
			return nil, fmt.Errorf("hub: %s has no %s, which every model has: %w", repo, ConfigFile, err)
		}
		return nil, err
	}
	files := []string{ConfigFile}
	if what == Model {
		weights, err := discoverWeights(ctx, f, repo)
		if err != nil {
			return nil, err
		}
		files = append(files, weights...)
	}
	for _, name := range TokenizerFiles {
		switch err := f.fetch(ctx, name); {
		case err == nil:
			files = append(files, name)
		case !missingFile(err):
			return nil, err
		}
	}
	return files, nil
}

// discoverWeights fetches the first of WeightFiles the repository has and, for an index, its shards.
func discoverWeights(ctx context.Context, f fetcher, repo Repo) ([]string, error) {
	var miss *cacheMiss
	for _, name := range WeightFiles {
		err := f.fetch(ctx, name)
		if missingFile(err) {
			errors.As(err, &miss)
			continue
		}
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, ".index.json") {
			return []string{name}, nil
		}
		index, err := f.read(name)
		if err != nil {
			return nil, err
		}
		shards, err := ShardFiles(index)
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %s: %w", repo, name, err)
		}
		for _, shard := range shards {
			if err := f.fetch(ctx, shard); err != nil {
				if missingFile(err) {
					return nil, fmt.Errorf("hub: %s: %s lists the shard %s, which the repository does not have: %w", repo, name, shard, err)
				}
				return nil, err
			}
		}
		return append([]string{name}, shards...), nil
	}
	if miss != nil {
		return nil, fmt.Errorf("hub: the cache holds none of the weight files of %s (%s) in %s, %s", repo, strings.Join(WeightFiles, ", "), filepath.Dir(miss.path), miss.why)
	}
	return nil, fmt.Errorf("hub: %s has no weights: none of %s", repo, strings.Join(WeightFiles, ", "))
}

// ShardFiles returns the files an index of a sharded checkpoint (model.safetensors.index.json,
// pytorch_model.bin.index.json) lists in its weight_map, sorted, each once. Each must be a plain file
// name: shards lie beside their index, and the names become paths in the cache.
func ShardFiles(index []byte) ([]string, error) {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	dec := json.NewDecoder(bytes.NewReader(index))
	if err := dec.Decode(&idx); err != nil {
		return nil, fmt.Errorf("not an index of shards: %w", err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("no weight_map, or an empty one")
	}
	shards := map[string]bool{}
	for _, weight := range slices.Sorted(maps.Keys(idx.WeightMap)) {
		shard := idx.WeightMap[weight]
		if !isFileName(shard) || strings.HasSuffix(shard, ".index.json") {
			return nil, fmt.Errorf("the shard %q of weight %q is not the name of a weight file beside the index", shard, weight)
		}
		shards[shard] = true
	}
	return slices.Sorted(maps.Keys(shards)), nil
}

// isFileName reports whether s can name a file in a directory of the cache: not empty, not hidden
// (no leading '.'), without a path separator or control characters, at most 255 bytes.
func isFileName(s string) bool {
	return s != "" && len(s) <= 255 && s[0] != '.' && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '/' || r == '\\' || r < 0x20 || r == 0x7f
	})
}

// Files downloads what the model in repo needs (discover's order) into memory, by name, as
// checkpoint.LoadFiles takes them. report receives each file's bytes (see Download). After the first
// file the revision is pinned to the commit the Hub named, so that every file comes from one commit.
func (c *Client) Files(ctx context.Context, repo Repo, what What, report progress.Func) (map[string][]byte, error) {
	m := &memoryFetcher{client: c, repo: repo, report: report, files: map[string][]byte{}}
	names, err := discover(ctx, m, repo, what)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(names))
	for _, n := range names {
		files[n] = m.files[n]
	}
	return files, nil
}

// memoryFetcher downloads into memory.
type memoryFetcher struct {
	client *Client
	repo   Repo
	report progress.Func
	files  map[string][]byte
}

func (m *memoryFetcher) fetch(ctx context.Context, file string) error {
	var b bytes.Buffer
	info, err := m.client.Download(ctx, m.repo, file, &b, m.report)
	if err != nil {
		return err
	}
	if info.Commit != "" && validateRevision(info.Commit) == nil {
		m.repo.Revision = info.Commit
	}
	m.files[file] = b.Bytes()
	return nil
}

func (m *memoryFetcher) read(file string) ([]byte, error) { return m.files[file], nil }
