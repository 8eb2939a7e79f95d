package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/npy"
	"bertology/core/tokenizer"
)

// What the analysis commands (probe, rollout, lens, attn-stats) share: loading a model with its tokenizer,
// reading a data set, writing JSON and, beside it, .npy matrices.

// loadModelAndTokenizer loads a model's weights and its tokenizer.
func loadModelAndTokenizer(src modelSource, stderr io.Writer) (*model.Model, tokenizer.Tokenizer, error) {
	ck, m, err := loadModel(src, stderr)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.nameOrPath, err)
	}
	return m, tok, nil
}

// loadSentence loads a model with its tokenizer and encodes the input of the analyses of one sentence
// (rollout, lens): text, or text and pair when pair is not empty, cut to the model's positions.
func loadSentence(src modelSource, text, pair string, stderr io.Writer) (*model.Model, tokenizer.Tokenizer, tokenizer.Encoding, error) {
	m, tok, err := loadModelAndTokenizer(src, stderr)
	if err != nil {
		return nil, nil, tokenizer.Encoding{}, err
	}
	enc, err := tok.Encode(text, pair, pair != "", tokenizer.Options{MaxLength: m.Config().MaxPositions, Truncate: true})
	return m, tok, enc, err
}

// readExamples reads a GLUE-style TSV file as the named task, or as the task DetectTask finds when the
// name is empty, keeping the first subset examples when subset > 0.
func readExamples(path, taskName string, subset int) (*glue.Task, []glue.Example, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var task *glue.Task
	split := "dev"
	if taskName == "" {
		if task, split, err = glue.DetectTask(data, path); err != nil {
			return nil, nil, err
		}
	} else if task, err = glue.LookupTask(taskName); err != nil {
		return nil, nil, err
	}
	examples, err := glue.ReadTSV(bytes.NewReader(data), task, split)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	examples = dataset.First(examples, subset)
	if len(examples) == 0 {
		return nil, nil, fmt.Errorf("%s: no examples", path)
	}
	return task, examples, nil
}

// writeJSON writes v as one line of JSON to path, leaving "<", ">" and "&" of tokens unescaped.
func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// matrixPath names the .npy file of one matrix beside the JSON output: out.json → out.name.npy.
func matrixPath(out, name string) string {
	return strings.TrimSuffix(out, ".json") + "." + name + ".npy"
}

// writeMatrix writes data of the given shape as a float32 .npy file.
func writeMatrix(path string, shape []int, data []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := npy.Write(f, shape, data); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
