// Package checkpoint reads and writes model directories in Hugging Face's layout: config.json, weights
// in model.safetensors (F32, F16, BF16) or pytorch_model.bin, and the tokenizer's files.
//
// Everything is read from bytes so that the browser, which has no file system, loads a model the same way
// the command line does: LoadFiles takes the files by name, LoadDir reads a directory into that map.
package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"bertology/core/tensor"
)

// Checkpoint is a model directory in memory: its parsed config, its weights (by Hugging Face name,
// widened to float32) and the remaining files (tokenizer vocabularies and the like) as raw bytes.
type Checkpoint struct {
	Config  *Config
	Weights map[string]*tensor.Tensor
	// DTypes is the element type each weight had in its file before widening ("F32", "F16", "BF16",
	// "I64", ...), by weight name; nil for a checkpoint built in memory.
	DTypes map[string]string
	Files  map[string][]byte
}

// WeightFiles lists the weight file names LoadFiles looks for, in order of preference.
var WeightFiles = []string{"model.safetensors", "pytorch_model.bin"}

// LoadDir reads every regular file of dir (not its subdirectories) and loads it with LoadFiles. A
// symbolic link to a regular file counts as one: the Hugging Face Hub cache's snapshot directories
// hold nothing else (snapshots/<commit>/config.json → ../../blobs/<etag>).
func LoadDir(dir string) (*Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(path)
			if err != nil {
				target, _ := os.Readlink(path)
				var pe *fs.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return nil, fmt.Errorf("checkpoint: %s links to %s, which cannot be read: %w", path, target, err)
			}
			if !st.Mode().IsRegular() {
				continue
			}
		} else if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		files[e.Name()] = b
	}
	ck, err := LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return ck, nil
}

// LoadFiles builds a checkpoint from files given by base name. It needs config.json and one weight file;
// model.safetensors is preferred when both are given. Weights that would decode to more than
// MaxWeightBytes are refused before anything is allocated for them.
func LoadFiles(files map[string][]byte) (*Checkpoint, error) {
	cfgBytes, ok := files["config.json"]
	if !ok {
		return nil, fmt.Errorf("checkpoint: no config.json among the files (%s)", fileNames(files))
	}
	cfg, err := ParseConfig(cfgBytes)
	if err != nil {
		return nil, err
	}
	var weights map[string]*tensor.Tensor
	var dtypes map[string]string
	switch {
	case files["model.safetensors"] != nil:
		weights, dtypes, _, err = readSafetensors(files["model.safetensors"])
		if err != nil {
			return nil, fmt.Errorf("model.safetensors: %w", err)
		}
	case files["pytorch_model.bin"] != nil:
		weights, dtypes, err = readPytorchBin(files["pytorch_model.bin"])
		if err != nil {
			return nil, fmt.Errorf("pytorch_model.bin: %w", err)
		}
	default:
		return nil, fmt.Errorf("checkpoint: no weights: need model.safetensors or pytorch_model.bin among the files (%s)", fileNames(files))
	}
	rest := map[string][]byte{}
	for name, b := range files {
		if name != "config.json" && name != "model.safetensors" && name != "pytorch_model.bin" {
			rest[name] = b
		}
	}
	return &Checkpoint{Config: cfg, Weights: weights, DTypes: dtypes, Files: rest}, nil
}

func fileNames(files map[string][]byte) string {
	if len(files) == 0 {
		return "none given"
	}
	return fmt.Sprint(slices.Sorted(maps.Keys(files)))
}
