package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/prune"
)

// TestTrainFromScratch trains a new tiny BERT on the golden 12-row SST-2 file (as train and dev) with
// a vocabulary `bertology vocab` trained on it, and checks what lands in the output directory: a model
// that transformers can load (config with the labels and the architecture filled in, the vocabulary
// beside it) and that model.New reads back with the weights the run printed metrics for.
func TestTrainFromScratch(t *testing.T) {
	data := trainingDir(t)
	tokDir := t.TempDir()
	var out bytes.Buffer
	err := trainVocab(vocabArgs{inputs: []string{filepath.Join(data, "train.tsv")}, glueTask: "sst-2", kind: "wordpiece",
		size: 100, minFreq: 1, out: filepath.Join(tokDir, "vocab.txt")}, &out)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, cfgPath, `{"model_type": "bert", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
		"intermediate_size": 32, "max_position_embeddings": 32}`)
	a := trainArgs{config: cfgPath, tokenizer: tokDir, task: "sst-2", dataDir: data, outputDir: t.TempDir(),
		epochs: 2, batchSize: 4, lr: 1e-3, warmupRatio: 0.1, clip: 1, maxSeqLength: 32, seed: 1, dtype: "F32"}
	var stdout, stderr bytes.Buffer
	if err := trainModel(a, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	for _, want := range []string{"12 training sequences, 2 epochs of 3 steps", "epoch 2: train loss", "eval acc = "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "epoch 2/2") || !strings.Contains(stderr.String(), "3/3") {
		t.Errorf("progress bar never reached step 3/3 of epoch 2/2:\n%q", stderr.String())
	}
	ck, err := checkpoint.LoadDir(a.outputDir)
	if err != nil {
		t.Fatal(err)
	}
	c := ck.Config
	if c.VocabSize != 100 || c.NumLabels != 2 || !slices.Equal(c.Architectures, []string{"BertForSequenceClassification"}) || c.ID2Label[0] != "negative" || c.ID2Label[1] != "positive" {
		t.Errorf("saved config: vocab %d, %d labels %v, architectures %v", c.VocabSize, c.NumLabels, c.ID2Label, c.Architectures)
	}
	if _, ok := ck.Files["vocab.txt"]; !ok {
		t.Errorf("vocab.txt not saved beside the model")
	}
	if _, err := model.New(ck); err != nil {
		t.Errorf("the saved model does not load: %v", err)
	}

	// --epochs 0 evaluates the saved model: the metrics printed after the last epoch.
	eval := trainArgs{model: a.outputDir, task: "sst-2", dataDir: data, outputDir: t.TempDir(), batchSize: 4, maxSeqLength: 32}
	var evalOut bytes.Buffer
	if err := trainModel(eval, &evalOut, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(evalOut.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "eval acc = ") || !strings.Contains(stdout.String(), "; "+last+" [") {
		t.Errorf("evaluation only printed %q; training printed:\n%s", last, stdout.String())
	}

	// The same run again gives the same weights, bit for bit.
	again := a
	again.outputDir = t.TempDir()
	if err := trainModel(again, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(a.outputDir, "model.safetensors"))
	second, _ := os.ReadFile(filepath.Join(again.outputDir, "model.safetensors"))
	if !bytes.Equal(first, second) {
		t.Errorf("two runs with the same seed saved different weights")
	}
}

// TestTrainPrunedModel fine-tunes the golden BERT after pruning heads: the saved config keeps
// pruned_heads and the weights keep their shrunk shapes.
func TestTrainPrunedModel(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	pruned, err := prune.Heads(ck, map[int][]int{0: {1, 2}, 2: {0}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := checkpoint.SaveDir(dir, pruned, "F32"); err != nil {
		t.Fatal(err)
	}
	a := trainArgs{model: dir, task: "sst-2", dataDir: trainingDir(t), outputDir: t.TempDir(), epochs: 1, batchSize: 4,
		lr: 1e-4, clip: 1, maxSeqLength: 32, seed: 1, dtype: "F16", saveBest: true}
	var stdout bytes.Buffer
	if err := trainModel(a, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	out, err := checkpoint.LoadDir(a.outputDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Config.PrunedHeads; !slices.Equal(got[0], []int{1, 2}) || !slices.Equal(got[2], []int{0}) {
		t.Errorf("saved pruned_heads %v", got)
	}
	if dt := out.DTypes["classifier.weight"]; dt != "F16" {
		t.Errorf("saved as %s, want F16", dt)
	}
	m, err := model.New(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Heads(0); !slices.Equal(got, []int{0, 3}) {
		t.Errorf("layer 0 keeps heads %v, want [0 3]", got)
	}
}

// TestTrainLanguageModel trains a new GPT-2 on the sentences of the 12-row file with a byte-level BPE
// vocabulary, reporting perplexity next to the unigram baseline.
func TestTrainLanguageModel(t *testing.T) {
	data := trainingDir(t)
	tokDir := t.TempDir()
	err := trainVocab(vocabArgs{inputs: []string{filepath.Join(data, "train.tsv")}, glueTask: "sst-2", kind: "bpe",
		size: 300, minFreq: 1, out: tokDir}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, cfgPath, `{"model_type": "gpt2", "n_embd": 16, "n_layer": 1, "n_head": 2, "n_positions": 64}`)
	a := trainArgs{config: cfgPath, tokenizer: tokDir, task: "lm", data: filepath.Join(data, "train.tsv"),
		evalData: filepath.Join(data, "dev.tsv"), textTask: "sst-2", outputDir: t.TempDir(), epochs: 1, batchSize: 4,
		lr: 1e-3, clip: 1, maxSeqLength: 64, seed: 1, dtype: "F32"}
	var stdout bytes.Buffer
	if err := trainModel(a, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	for _, want := range []string{"unigram baseline", "eval loss = ", "perplexity = ", "gpt2 causal language model"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	ck, err := checkpoint.LoadDir(a.outputDir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ck.Config.Architectures, []string{"GPT2LMHeadModel"}) || ck.Config.VocabSize != 300 {
		t.Errorf("saved config: architectures %v, vocabulary %d", ck.Config.Architectures, ck.Config.VocabSize)
	}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		if _, ok := ck.Files[name]; !ok {
			t.Errorf("%s not saved beside the model", name)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	data := trainingDir(t)
	bert := golden.Path(t, "bert", "model")
	for _, tc := range []struct {
		name string
		a    trainArgs
		want string
	}{
		{"config without tokenizer", trainArgs{config: "x.json", task: "sst-2"}, "--config needs --tokenizer"},
		{"unknown task", trainArgs{model: bert, task: "squad"}, "squad"},
		{"lm on a classifier", trainArgs{model: bert, task: "lm", data: "x"}, "--task lm trains a causal language model"},
		{"wrong label count", trainArgs{model: bert, task: "mnli", dataDir: data}, "the model has 2 labels, task mnli has 3"},
		{"no data dir", trainArgs{model: bert, task: "sst-2"}, "needs --data_dir"},
	} {
		tc.a.outputDir, tc.a.epochs, tc.a.batchSize, tc.a.lr = t.TempDir(), 1, 1, 1e-3
		err := trainModel(tc.a, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// trainingDir is a data directory whose train.tsv and dev.tsv are both the golden 12-row SST-2 file.
func trainingDir(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "train.tsv"), string(src))
	writeFile(t, filepath.Join(dir, "dev.tsv"), string(src))
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
