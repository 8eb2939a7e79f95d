package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tokenizer"
	"bertology/core/train"
)

func init() {
	register(&command{name: "train", summary: "train a model from scratch or fine-tune one (a pruned one too) on a GLUE task or plain text", run: runTrain})
}

// trainArgs are the train command's flags, named after Hugging Face's run_glue.py and TrainingArguments.
type trainArgs struct {
	model, revision, cacheDir          string
	config, tokenizer                  string
	task, dataDir, data, evalData      string
	textTask, outputDir, dtype         string
	epochs, batchSize, maxSeqLength    int
	warmupSteps, subset, evalSubset    int
	lr, warmupRatio, weightDecay, clip float64
	seed                               uint64
	groupByLength, saveBest            bool
}

func runTrain(args []string) error {
	fs := newFlagSet("train", "train a model on a GLUE task's train.tsv (evaluating on its dev.tsv after each epoch) or, with "+
		"--task lm, a causal language model on plain text; the model is saved in Hugging Face's layout after each epoch")
	var a trainArgs
	fs.StringVar(&a.model, "model", "", "model directory to fine-tune (its pruned_heads are kept), or a Hub model id (org/name); or give --config")
	hubFlags(fs, &a.revision, &a.cacheDir)
	fs.StringVar(&a.config, "config", "", "config.json of a new model, trained from scratch (needs --tokenizer); vocab_size, the labels and the architecture are filled in when absent")
	fs.StringVar(&a.tokenizer, "tokenizer", "", "with --config: directory holding the tokenizer's files (vocab.txt, or vocab.json and merges.txt)")
	fs.StringVar(&a.task, "task", "", "GLUE task (sst-2, cola, mrpc, sts-b, qqp, mnli, qnli, rte, wnli), or lm for a causal language model (required)")
	fs.StringVar(&a.dataDir, "data_dir", "", "GLUE: directory holding train.tsv and dev.tsv")
	fs.StringVar(&a.data, "data", "", "lm: training text, a file (one text a line) or a directory of .txt/.tokens/.raw files")
	fs.StringVar(&a.evalData, "eval_data", "", "lm: text to report perplexity on after each epoch")
	fs.StringVar(&a.textTask, "text_task", "", "lm: read --data and --eval_data as GLUE TSV files of this task and use their sentences")
	fs.StringVar(&a.outputDir, "output_dir", "", "where the trained model goes (required)")
	fs.IntVar(&a.epochs, "epochs", 3, "passes over the training data; 0 only evaluates the model (--model) on the dev set or --eval_data")
	fs.IntVar(&a.batchSize, "batch_size", 32, "sequences per step")
	fs.Float64Var(&a.lr, "lr", 5e-5, "peak learning rate of AdamW")
	fs.Float64Var(&a.warmupRatio, "warmup", 0, "fraction of the steps over which the learning rate rises (linear warm-up), before it falls linearly to 0")
	fs.IntVar(&a.warmupSteps, "warmup_steps", 0, "warm-up steps; overrides --warmup when positive")
	fs.Float64Var(&a.weightDecay, "weight_decay", 0, "AdamW's decoupled weight decay (not applied to biases and LayerNorm)")
	fs.Float64Var(&a.clip, "max_grad_norm", 1, "clip the global gradient norm to this (0: no clipping)")
	fs.IntVar(&a.maxSeqLength, "max_seq_length", bertology.DefaultMaxSeqLength, "tokens per sequence; longer inputs are truncated (lm: cut into pieces)")
	fs.Uint64Var(&a.seed, "seed", 42, "seed of the initialisation and of the shuffling")
	fs.IntVar(&a.subset, "subset", 0, "if > 0, train on only the first subset examples")
	fs.IntVar(&a.evalSubset, "eval_subset", 0, "if > 0, evaluate on only the first eval_subset examples")
	fs.BoolVar(&a.groupByLength, "group_by_length", true, "batch sequences of similar lengths together (less padding, faster)")
	fs.BoolVar(&a.saveBest, "save_best", false, "save only after an epoch that improves the evaluation (the task's metric; lm: perplexity)")
	fs.StringVar(&a.dtype, "dtype", "F32", "weight type of the saved model.safetensors: F32, F16 or BF16")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (a.model == "") == (a.config == "") || a.task == "" || a.outputDir == "" {
		fs.Usage()
		return fmt.Errorf("one of --model and --config, and --task and --output_dir are required")
	}
	return trainModel(a, os.Stdout, os.Stderr)
}

// trainModel is the command without flag parsing, so tests can call it.
func trainModel(a trainArgs, stdout, stderr io.Writer) error {
	isLM := strings.EqualFold(a.task, "lm")
	var task *glue.Task
	if !isLM {
		var err error
		if task, err = glue.LookupTask(a.task); err != nil {
			return err
		}
	}
	m, files, err := startingModel(a, task, stderr)
	if err != nil {
		return err
	}
	cfg := m.Config()
	tok, err := tokenizer.FromFiles(string(cfg.ModelType), files)
	if err != nil {
		return err
	}
	if tok.VocabSize() > cfg.VocabSize {
		return fmt.Errorf("the tokenizer has %d tokens, the model's vocabulary %d", tok.VocabSize(), cfg.VocabSize)
	}
	examples, eval, err := trainingData(a, task, m, tok, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s, %d layers, hidden %d, %d heads, vocabulary %d: %d parameters\n",
		cfg.ModelType, m.Head(), cfg.NumLayers, cfg.HiddenSize, cfg.NumHeads, cfg.VocabSize, m.NumParams())

	if a.epochs == 0 {
		if eval == nil {
			return fmt.Errorf("--epochs 0 evaluates the model, but there is nothing to evaluate on (--eval_data)")
		}
		metrics, err := eval(m)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, formatMetrics(metrics))
		return nil
	}
	perEpoch := (len(examples) + a.batchSize - 1) / a.batchSize
	fmt.Fprintf(stdout, "%d training sequences, %d epochs of %d steps\n", len(examples), a.epochs, perEpoch)
	start := time.Now()
	draw := bar(stderr, "")
	best := math.NaN()
	opt := train.Options{
		Epochs: a.epochs, BatchSize: a.batchSize, LearningRate: a.lr, WarmupSteps: a.warmupSteps,
		WarmupRatio: a.warmupRatio, WeightDecay: a.weightDecay, MaxGradNorm: a.clip,
		GroupByLength: a.groupByLength, Seed: a.seed, PadID: tok.PadID(), Evaluate: eval,
		Progress: func(r progress.Report) { // a bar per epoch
			epoch, step := (r.Done-1)/perEpoch+1, (r.Done-1)%perEpoch+1
			draw(progress.Report{Phase: fmt.Sprintf("epoch %d/%d", epoch, a.epochs), Done: step, Total: perEpoch, Loss: r.Loss})
		},
		EpochEnd: func(r train.EpochResult) error {
			fmt.Fprintf(stdout, "epoch %d: train loss %.4f; %s [%s]\n", r.Epoch, r.TrainLoss, formatMetrics(r.Metrics), clock(time.Since(start)))
			key, higher := "perplexity", false
			if task != nil {
				key, higher = task.Metric, true
			}
			score, ok := r.Metrics[key]
			if a.saveBest && ok && !math.IsNaN(best) && (higher && score <= best || !higher && score >= best) {
				return nil
			}
			best = score
			return saveModel(a.outputDir, m, files, a.dtype, stdout)
		},
	}
	if _, err := train.Train(context.Background(), m, examples, opt); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// startingModel returns the model to train, from --model or built from --config, and the files its
// tokenizer needs.
func startingModel(a trainArgs, task *glue.Task, stderr io.Writer) (*model.Model, map[string][]byte, error) {
	files := map[string][]byte{}
	if a.model != "" {
		ck, m, err := loadModel(modelSource{a.model, a.revision, a.cacheDir}, stderr)
		if err != nil {
			return nil, nil, err
		}
		if err := checkHead(m.Head(), task, a.model); err != nil {
			return nil, nil, err
		}
		if task != nil && ck.Config.NumLabels != task.NumLabels() {
			return nil, nil, fmt.Errorf("the model has %d labels, task %s has %d", ck.Config.NumLabels, task.Name, task.NumLabels())
		}
		for _, name := range tokenizer.Files {
			if b, ok := ck.Files[name]; ok {
				files[name] = b
			}
		}
		return m, files, nil
	}
	if a.tokenizer == "" {
		return nil, nil, fmt.Errorf("--config needs --tokenizer, the directory of the new model's tokenizer files")
	}
	for _, name := range tokenizer.Files {
		b, err := os.ReadFile(filepath.Join(a.tokenizer, name))
		if err == nil {
			files[name] = b
		} else if !os.IsNotExist(err) {
			return nil, nil, err
		}
	}
	raw, err := os.ReadFile(a.config)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := newConfig(raw, files, task)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", a.config, err)
	}
	m, err := train.NewModel(cfg, a.seed)
	if err != nil {
		return nil, nil, err
	}
	return m, files, checkHead(m.Head(), task, a.config)
}

// newConfig reads a new model's config.json and fills in what the data decide when it leaves them out:
// vocab_size from the tokenizer, the task's label names (id2label), the architecture that fits the
// task, and GPT-2's pad_token_id for a sequence classifier.
func newConfig(raw []byte, files map[string][]byte, task *glue.Task) (*checkpoint.Config, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, err
	}
	var probe struct {
		ModelType string `json:"model_type"`
	}
	json.Unmarshal(raw, &probe) // a bad model_type is ParseConfig's to report
	tok, err := tokenizer.FromFiles(probe.ModelType, files)
	if err != nil {
		return nil, err
	}
	set := func(key string, v any) {
		if _, ok := keys[key]; !ok {
			keys[key], _ = json.Marshal(v) // plain values always encode
		}
	}
	set("vocab_size", tok.VocabSize())
	if task != nil {
		id2label, label2id := map[string]string{}, map[string]int{}
		for i := range task.NumLabels() {
			name := fmt.Sprintf("LABEL_%d", i)
			if !task.Regression() {
				name = task.Names[i]
			}
			id2label[fmt.Sprint(i)], label2id[name] = name, i
		}
		set("id2label", id2label)
		set("label2id", label2id)
		if probe.ModelType == "gpt2" {
			set("pad_token_id", tok.PadID())
		}
	}
	arch := map[bool]map[string]string{
		true:  {"bert": "BertForSequenceClassification", "distilbert": "DistilBertForSequenceClassification", "gpt2": "GPT2ForSequenceClassification"},
		false: {"bert": "BertForMaskedLM", "gpt2": "GPT2LMHeadModel", "openai-gpt": "OpenAIGPTLMHeadModel"},
	}[task != nil][probe.ModelType]
	if arch != "" {
		set("architectures", []string{arch})
	}
	filled, _ := json.Marshal(keys)
	return checkpoint.ParseConfig(filled)
}

// checkHead checks that a model's head fits the task: a sequence classifier for a GLUE task, a causal
// language model for lm.
func checkHead(h model.Head, task *glue.Task, source string) error {
	switch {
	case task != nil && h != model.SequenceClassification:
		return fmt.Errorf("%s: a GLUE task needs a sequence classifier, the model is a %s (set architectures in config.json)", source, h)
	case task == nil && h != model.CausalLM:
		return fmt.Errorf("%s: --task lm trains a causal language model (GPT-2, OpenAI GPT), the model is a %s", source, h)
	}
	return nil
}

// trainingData reads the training examples and makes the evaluation to run after each epoch.
func trainingData(a trainArgs, task *glue.Task, m *model.Model, tok tokenizer.Tokenizer, stdout io.Writer) ([]*model.Batch, train.Evaluator, error) {
	const evalBatch = 64
	if task == nil {
		if a.data == "" {
			return nil, nil, fmt.Errorf("--task lm needs --data, the training text")
		}
		texts, err := readCorpus(a.data, a.textTask)
		if err != nil {
			return nil, nil, err
		}
		examples, err := dataset.LanguageModelSequences(tok, dataset.First(texts, a.subset), a.maxSeqLength)
		if err != nil || a.evalData == "" {
			return examples, nil, err
		}
		evalTexts, err := readCorpus(a.evalData, a.textTask)
		if err != nil {
			return nil, nil, err
		}
		evalBatches, err := dataset.LanguageModel(m, tok, dataset.First(evalTexts, a.evalSubset), a.maxSeqLength, evalBatch)
		if err != nil {
			return nil, nil, err
		}
		unigram, err := train.UnigramPerplexity(examples, evalBatches, m.Config().VocabSize)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(stdout, "unigram baseline (add-one smoothed counts of the training tokens): eval perplexity %.4f\n", unigram)
		return examples, train.LanguageModelEval(evalBatches), nil
	}
	if a.dataDir == "" {
		return nil, nil, fmt.Errorf("a GLUE task needs --data_dir, the directory of train.tsv and dev.tsv")
	}
	rows, err := readTSV(filepath.Join(a.dataDir, "train.tsv"), task, "train")
	if err != nil {
		return nil, nil, err
	}
	examples, err := dataset.ClassificationSequences(tok, task, dataset.First(rows, a.subset), a.maxSeqLength)
	if err != nil {
		return nil, nil, err
	}
	dev, err := readDev(a.dataDir, task)
	if err != nil {
		return nil, nil, err
	}
	devBatches, err := dataset.Classification(m, tok, task, dataset.First(dev, a.evalSubset), a.maxSeqLength, evalBatch, dataset.PadToLongest)
	if err != nil {
		return nil, nil, err
	}
	return examples, train.ClassificationEval(task, devBatches), nil
}

// saveModel writes the model, its config (pruned_heads included) and its tokenizer's files to dir in
// Hugging Face's layout.
func saveModel(dir string, m *model.Model, files map[string][]byte, dtype string, stdout io.Writer) error {
	ck := &checkpoint.Checkpoint{Config: m.Config(), Weights: m.Weights(), Files: files}
	if err := checkpoint.SaveDir(dir, ck, dtype); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved to %s\n", dir)
	return nil
}

// formatMetrics says what an evaluation gave.
func formatMetrics(metrics map[string]float64) string {
	if metrics == nil {
		return "no evaluation"
	}
	return "eval " + metricList(metrics, "%.4f")
}

// metricList lists metrics as "name = value" in name order, each value in the fmt verb format.
func metricList(metrics map[string]float64, format string) string {
	parts := make([]string, 0, len(metrics))
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		parts = append(parts, fmt.Sprintf("%s = "+format, k, metrics[k]))
	}
	return strings.Join(parts, ", ")
}
