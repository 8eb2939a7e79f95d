// Package checkpoint reads and writes model directories in Hugging Face's layout: config.json, weights
// in model.safetensors (F32, F16, BF16) or pytorch_model.bin (torch's zip format or its legacy one),
// either one file or shards beside an index, and the tokenizer's files.
//
// Everything is read from bytes so that the browser, which has no file system, loads a model the same way
// the command line does: Load takes the files by name. Discover finds the files a model directory
// holds for it, the way transformers does, through functions that fetch and read one by name:
// LoadDir reads a directory with it (ReadFiles), and the Hub's client (core/hub) downloads with it.
package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"bertology/core/progress"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

// Checkpoint is a model directory in memory: its parsed config, its weights (by Hugging Face name,
// widened to float32) and the remaining files (tokenizer vocabularies and the like) as raw bytes.
type Checkpoint struct {
	Config  *Config
	Weights map[string]*tensor.Tensor
	// DTypes is the element type each weight had in its file before widening ("F32", "F16", "BF16",
	// "I64", ...), by weight name; nil for a checkpoint built in memory.
	DTypes map[string]string
	// WeightsFrom is the one of WeightFiles the weights were read from (for a sharded checkpoint, its
	// index), or llama2.c's .bin file; "" for a checkpoint built in memory.
	WeightsFrom string
	Files       map[string][]byte
}

// WeightFiles lists the files a checkpoint's weights are read from, in transformers' order of
// preference: one safetensors file, the index of sharded ones, one pytorch_model.bin, the index of
// sharded ones.
var WeightFiles = []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}

// ErrNoConfig and ErrNoWeights are what Discover's errors wrap when a model directory has no
// config.json, or none of WeightFiles.
var (
	ErrNoConfig  = errors.New("no config.json")
	ErrNoWeights = errors.New("no weights")
)

// Discover finds the files of a model directory that Load uses, the way transformers' from_pretrained
// looks for them, and returns their names in that order: config.json; then, with weights, the first of
// WeightFiles the directory has, and for an index the shards it lists (ShardFiles); then those of the
// tokenizer's files (tokenizer.Files) it has. A directory without config.json may be llama2.c's
// instead: its tokenizer (the first of tokenizer.Llama2cFiles it has) and, with weights, its
// checkpoint, model.bin (the name llama2.c's train.py writes); DiscoverListed finds one of any name.
//
// fetch makes one file available by name (reads it, downloads it) and returns an error that wraps
// fs.ErrNotExist when the directory has no such file (as a Hub 404 does); read returns the bytes of a
// file fetched, and is called for an index only. A missing config.json is an error that wraps
// ErrNoConfig, missing weights one that wraps ErrNoWeights, a missing shard one that names it; each
// wraps fetch's error too. Any other error of fetch stops the search.
func Discover(fetch func(name string) error, read func(name string) ([]byte, error), weights bool) ([]string, error) {
	return DiscoverListed(nil, fetch, read, weights)
}

// DiscoverListed is Discover for a directory whose file names are known (listed: a local directory, the
// files a user picked, a files.json), where a llama2.c checkpoint is found by its content whatever its
// name: the one .bin file, other than pytorch_model.bin and the tokenizer, whose llama2.c header fits
// it. listed nil is Discover.
func DiscoverListed(listed []string, fetch func(name string) error, read func(name string) ([]byte, error), weights bool) ([]string, error) {
	var names []string
	get := func(name string) (found bool, missing, err error) {
		err = fetch(name)
		if errors.Is(err, fs.ErrNotExist) {
			return false, err, nil
		}
		if err != nil {
			return false, nil, err
		}
		names = append(names, name)
		return true, nil, nil
	}
	if _, missing, err := get("config.json"); err != nil {
		return nil, err
	} else if missing != nil {
		found, err := discoverLlama2c(listed, fetch, read, weights)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("checkpoint: %w: %w", ErrNoConfig, missing)
		}
		return found, nil
	}
	if weights {
		var lastMissing error
		for _, name := range WeightFiles {
			found, missing, err := get(name)
			if err != nil {
				return nil, err
			}
			if !found {
				lastMissing = missing
				continue
			}
			lastMissing = nil
			if _, sharded := shardIndexes[name]; sharded {
				index, err := read(name)
				if err != nil {
					return nil, err
				}
				shards, err := ShardFiles(index)
				if err != nil {
					return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
				}
				for _, shard := range shards {
					if _, missing, err := get(shard); err != nil {
						return nil, err
					} else if missing != nil {
						return nil, fmt.Errorf("checkpoint: %s lists the shard %s, which is missing: %w", name, shard, missing)
					}
				}
			}
			break
		}
		if lastMissing != nil {
			return nil, fmt.Errorf("checkpoint: %w: none of %s: %w", ErrNoWeights, strings.Join(WeightFiles, ", "), lastMissing)
		}
	}
	for _, name := range tokenizer.Files {
		if _, _, err := get(name); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// discoverLlama2c finds llama2.c's tokenizer and, with weights, its checkpoint (see DiscoverListed),
// and returns their names; none when the directory has no llama2.c tokenizer. Candidates that are not
// llama2.c checkpoints are fetched and read, then left out; when none is one, the error says why each
// is not.
func discoverLlama2c(listed []string, fetch func(string) error, read func(string) ([]byte, error), weights bool) ([]string, error) {
	// has fetches name; missing is the error of a file the directory lacks.
	has := func(name string) (missing, err error) {
		if err := fetch(name); errors.Is(err, fs.ErrNotExist) {
			return err, nil
		} else if err != nil {
			return nil, err
		}
		return nil, nil
	}
	tok := ""
	for _, name := range tokenizer.Llama2cFiles {
		if missing, err := has(name); err != nil {
			return nil, err
		} else if missing == nil {
			tok = name
			break
		}
	}
	if tok == "" || !weights {
		return slices.DeleteFunc([]string{tok}, func(n string) bool { return n == "" }), nil
	}
	candidates := []string{"model.bin"}
	if listed != nil {
		candidates = slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(listed), func(n string) bool { return !llama2cCandidate(n) })))
	}
	var rejected []string
	for _, name := range candidates {
		missing, err := has(name)
		if err != nil {
			return nil, err
		}
		if missing != nil {
			rejected = append(rejected, missing.Error())
			continue
		}
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		if _, err := readLlama2cHeader(b); err != nil {
			rejected = append(rejected, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		return []string{name, tok}, nil
	}
	if len(rejected) == 0 {
		rejected = []string{"no .bin file"}
	}
	return nil, fmt.Errorf("checkpoint: %w: no config.json, and beside llama2.c's tokenizer %s no llama2.c checkpoint (%s)",
		ErrNoWeights, tok, strings.Join(rejected, "; "))
}

// ReadFiles reads the files of a model directory that Discover finds, with the weights or without, by
// name: read returns a file's bytes, or an error that wraps fs.ErrNotExist when the directory lacks it.
func ReadFiles(read func(name string) ([]byte, error), weights bool) (map[string][]byte, error) {
	return ReadListedFiles(nil, read, weights)
}

// ReadListedFiles is ReadFiles for a directory whose file names are known (see DiscoverListed).
func ReadListedFiles(listed []string, read func(name string) ([]byte, error), weights bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	fetch := func(name string) error {
		b, err := read(name)
		if err == nil {
			files[name] = b
		}
		return err
	}
	names, err := DiscoverListed(listed, fetch, func(name string) ([]byte, error) { return files[name], nil }, weights)
	if err != nil {
		return nil, err
	}
	for name := range files { // fetched to be looked at, then not found to be of the model's files
		if !slices.Contains(names, name) {
			delete(files, name)
		}
	}
	return files, nil
}

// LoadDir reads the files of dir that Load uses (Discover) and loads them under the directory's name.
// Symbolic links are followed: the Hugging Face Hub cache's snapshot directories hold nothing else
// (snapshots/<commit>/config.json → ../../blobs/<etag>); a link whose target is gone is an error, not
// a missing file.
func LoadDir(dir string) (*Checkpoint, error) {
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("checkpoint: %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	listed := make([]string, len(entries))
	for i, e := range entries {
		listed[i] = e.Name()
	}
	files, err := ReadListedFiles(listed, func(name string) ([]byte, error) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			if target, lerr := os.Readlink(path); lerr == nil {
				return nil, fmt.Errorf("%s links to %s, which cannot be read (%v)", path, target, err)
			}
		}
		return b, err
	}, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	ck, err := Load(dir, files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return ck, nil
}

// LoadFiles is Load for files of no known name.
func LoadFiles(files map[string][]byte) (*Checkpoint, error) { return Load("", files) }

// Load builds a checkpoint from files given by base name. It needs config.json and weights: the first
// of WeightFiles among the files, with the shards an index lists. Weights that would decode to more
// than MaxWeightBytes are refused before anything is allocated for them. name is where the files came
// from (a directory, a Hub id), "" when unknown: it decides the model type of a config.json that has
// none (ParseConfigNamed).
func Load(name string, files map[string][]byte) (*Checkpoint, error) {
	return LoadContext(context.Background(), name, files, nil)
}

// LoadContext is Load that can be cancelled: before decoding each tensor (each storage of a
// pytorch_model.bin) it reports to report (which may be nil) how many of its file it has decoded, in the
// phase "reading weights", and then stops with ctx's error if ctx is done. The report comes first so
// that a host that must yield to hear of a cancel (the browser's worker) yields in it.
func LoadContext(ctx context.Context, name string, files map[string][]byte, report progress.Func) (*Checkpoint, error) {
	step := func(done, total int) error {
		report.Send(progress.Report{Phase: "reading weights", Done: done, Total: total})
		return ctx.Err()
	}
	cfgBytes, ok := files["config.json"]
	from := ""
	if !ok {
		var err error
		if from, err = llama2cCheckpoint(files); err != nil {
			return nil, err
		}
		if from == "" {
			return nil, fmt.Errorf("checkpoint: no config.json among the files (%s), nor a llama2.c checkpoint", fileNames(files))
		}
		return loadLlama2c(from, files, step)
	}
	cfg, err := ParseConfigNamed(cfgBytes, name)
	if err != nil {
		return nil, err
	}
	for _, w := range WeightFiles {
		if files[w] != nil {
			from = w
			break
		}
	}
	if from == "" {
		return nil, fmt.Errorf("checkpoint: no weights: need model.safetensors or pytorch_model.bin, or the index of "+
			"their shards (model.safetensors.index.json, pytorch_model.bin.index.json), among the files (%s)", fileNames(files))
	}
	weights, dtypes, shards, err := readWeights(from, files, step)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{"config.json": true}
	for _, shard := range shards {
		used[shard] = true
	}
	rest := map[string][]byte{}
	for name, b := range files {
		if !used[name] && !slices.Contains(WeightFiles, name) {
			rest[name] = b
		}
	}
	return &Checkpoint{Config: cfg, Weights: weights, DTypes: dtypes, WeightsFrom: from, Files: rest}, nil
}

// ReadConfig returns the config of a model's files, given as to Load, without decoding the weights:
// config.json's, or the one a llama2.c checkpoint's header implies.
func ReadConfig(name string, files map[string][]byte) (*Config, error) {
	if b, ok := files["config.json"]; ok {
		return ParseConfigNamed(b, name)
	}
	from, err := llama2cCheckpoint(files)
	if err != nil {
		return nil, err
	}
	if from == "" {
		return nil, fmt.Errorf("checkpoint: no config.json among the files (%s), nor a llama2.c checkpoint", fileNames(files))
	}
	h, err := readLlama2cHeader(files[from])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	cfg, err := ParseConfig(h.config())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return cfg, nil
}

// loadLlama2c loads files[from], a llama2.c checkpoint, with the config.json it implies; the other
// files (its tokenizer) are kept.
func loadLlama2c(from string, files map[string][]byte, step tensorStep) (*Checkpoint, error) {
	f, err := openLlama2c(files[from])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	cfg, err := ParseConfig(f.header.config())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	weights, dtypes, err := decodeWithin(f, step)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	rest := maps.Clone(files)
	delete(rest, from)
	return &Checkpoint{Config: cfg, Weights: weights, DTypes: dtypes, WeightsFrom: from, Files: rest}, nil
}

func fileNames(files map[string][]byte) string {
	if len(files) == 0 {
		return "none given"
	}
	return fmt.Sprint(slices.Sorted(maps.Keys(files)))
}
