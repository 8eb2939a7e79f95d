package train

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// TestExamplesCollate stacks the golden SST-2 rows, as unpadded sequences, padded only to the longest:
// the labels survive, and the golden BERT's logits are those of the data set's batches of five, since
// the attention mask hides the padding.
func TestExamplesCollate(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("bert", ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := glue.LookupTask("sst-2")
	f, err := os.Open(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := glue.ReadTSV(f, task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	batches, err := dataset.Classification(m, tok, task, rows, 16, 5, dataset.PadToLongest)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := dataset.ClassificationSequences(tok, task, rows, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != len(rows) {
		t.Fatalf("%d examples from %d rows", len(examples), len(rows))
	}
	var want []float32
	var labels []int
	for _, b := range batches {
		out, err := m.Forward(b, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, out.Logits.Data...)
		labels = append(labels, b.Labels...)
	}
	b := m.Collate(examples, 0, tok.PadID())
	if b.SeqLen >= 16 || b.SeqLen < 2 {
		t.Errorf("collated to %d tokens; the longest example is shorter than the 16 of the padded batches", b.SeqLen)
	}
	if !slices.Equal(b.Labels, labels) {
		t.Errorf("labels %v, want %v", b.Labels, labels)
	}
	out, err := m.Forward(b, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out.Logits.Data {
		if math.Abs(float64(v-want[i])) > 1e-5 {
			t.Fatalf("logit %d: %g after collating, %g padded to 16", i, v, want[i])
		}
	}

	// Language-model batches keep a label per token, -100 on the padding.
	mlmCk, err := checkpoint.LoadDir(golden.Path(t, "bert-mlm", "model"))
	if err != nil {
		t.Fatal(err)
	}
	mlm, err := model.New(mlmCk)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"a touching film", "it is funny", "no"}
	lm, err := dataset.LanguageModel(mlm, tok, texts, 16, 3)
	if err != nil {
		t.Fatal(err)
	}
	examples, err = dataset.LanguageModelSequences(tok, texts, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(lm) != 1 || len(examples) != 3 {
		t.Fatalf("%d language-model batches, %d examples; want 1 and 3", len(lm), len(examples))
	}
	b = mlm.Collate(examples, 0, tok.PadID())
	if !slices.Equal(b.InputIDs, lm[0].InputIDs) || !slices.Equal(b.Labels, lm[0].Labels) || !slices.Equal(b.AttentionMask, lm[0].AttentionMask) {
		t.Errorf("collated language-model batch %+v, want %+v", b, lm[0])
	}
}

// toyClassification makes n sequences of 3 to 8 tokens from 4..19; a sequence's label is 1 when it
// holds token 7.
func toyClassification(n int, seed uint64) []*model.Batch {
	r := rand.New(rand.NewPCG(seed, 1))
	var out []*model.Batch
	for range n {
		t := 3 + r.IntN(6)
		ex := &model.Batch{Size: 1, SeqLen: t, Labels: []int{0}}
		for range t {
			ex.InputIDs = append(ex.InputIDs, 4+r.IntN(16))
		}
		if slices.Contains(ex.InputIDs, 7) {
			ex.Labels[0] = 1
		}
		out = append(out, ex)
	}
	return out
}

// TestTrainReproducible: the same seeds give bit-identical weights after a few steps, another
// shuffling seed different ones.
func TestTrainReproducible(t *testing.T) {
	examples := toyClassification(24, 1)
	run := func(seed uint64) map[string][]float32 {
		m := tinyModel(t, tinyBERT, 1)
		opt := Options{Epochs: 2, BatchSize: 5, LearningRate: 1e-2, WarmupSteps: 2, WeightDecay: 0.01, MaxGradNorm: 1, Seed: seed}
		if _, err := Train(t.Context(), m, examples, opt); err != nil {
			t.Fatal(err)
		}
		out := map[string][]float32{}
		for name, w := range m.Weights() {
			out[name] = w.Data
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	same, differs := true, false
	for name := range a {
		same = same && slices.Equal(a[name], b[name])
		differs = differs || !slices.Equal(a[name], c[name])
	}
	if !same {
		t.Errorf("two runs with seed 7 gave different weights")
	}
	if !differs {
		t.Errorf("seeds 7 and 8 gave the same weights")
	}
}

// TestTrainOverfitsClassification: a tiny BERT learns the toy task on its training set, its loss
// falling epoch after epoch; the evaluation, progress and epoch callbacks see every step and epoch.
func TestTrainOverfitsClassification(t *testing.T) {
	examples := toyClassification(32, 2)
	task, _ := glue.LookupTask("sst-2")
	m := tinyModel(t, tinyBERT, 2)
	eval := m.Collate(examples, 0, 0)
	steps, epochs := 0, 0
	opt := Options{Epochs: 25, BatchSize: 8, LearningRate: 1e-2, WarmupRatio: 0.1, MaxGradNorm: 1, Seed: 1,
		GroupByLength: true, Evaluate: ClassificationEval(task, []*model.Batch{eval}),
		Progress: func(r progress.Report) {
			steps++
			if done, total, loss := r.Done, r.Total, r.Loss; done != steps || total != 100 || math.IsNaN(loss) {
				t.Errorf("progress %d/%d (loss %g) at step %d of 100", done, total, loss, steps)
			}
		},
		EpochEnd: func(EpochResult) error { epochs++; return nil },
	}
	results, err := Train(t.Context(), m, examples, opt)
	if err != nil {
		t.Fatal(err)
	}
	if steps != 100 || epochs != 25 || len(results) != 25 {
		t.Errorf("%d steps, %d epoch callbacks, %d results; want 100, 25, 25", steps, epochs, len(results))
	}
	first, last := results[0], results[len(results)-1]
	if last.TrainLoss > first.TrainLoss/4 {
		t.Errorf("training loss %g after the first epoch, %g after the last", first.TrainLoss, last.TrainLoss)
	}
	if acc := last.Metrics["acc"]; acc != 1 {
		t.Errorf("training-set accuracy %g after training, want 1 (metrics %v)", acc, last.Metrics)
	}
	if last.Metrics["loss"] >= first.Metrics["loss"] {
		t.Errorf("evaluation loss %g after the first epoch, %g after the last", first.Metrics["loss"], last.Metrics["loss"])
	}
}

// TestTrainOverfitsLanguageModel: a tiny GPT-2 learns to continue a counting sequence, its perplexity
// falling from about the vocabulary size towards 1.
func TestTrainOverfitsLanguageModel(t *testing.T) {
	cfg := config(t, `{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 12, "n_embd": 16,
		"n_layer": 2, "n_head": 2, "n_positions": 16}`)
	m, err := NewModel(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	var examples []*model.Batch
	for start := 0; start < 10; start++ {
		ex := &model.Batch{Size: 1, SeqLen: 8}
		for j := range 8 {
			ex.InputIDs = append(ex.InputIDs, (start+j)%10)
		}
		ex.Labels = slices.Clone(ex.InputIDs)
		examples = append(examples, ex)
	}
	eval := LanguageModelEval([]*model.Batch{m.Collate(examples, 0, 11)})
	before, err := eval(m)
	if err != nil {
		t.Fatal(err)
	}
	if p := before["perplexity"]; p < 9 || p > 15 {
		t.Errorf("perplexity %g before training, want about the vocabulary size 12", p)
	}
	opt := Options{Epochs: 40, BatchSize: 4, LearningRate: 1e-2, MaxGradNorm: 1, Seed: 3, PadID: 11, Evaluate: eval}
	results, err := Train(t.Context(), m, examples, opt)
	if err != nil {
		t.Fatal(err)
	}
	if p := results[len(results)-1].Metrics["perplexity"]; p > 1.5 {
		t.Errorf("perplexity %g after training, want near 1", p)
	}
}

func TestTrainErrors(t *testing.T) {
	m := tinyModel(t, tinyBERT, 1)
	examples := toyClassification(4, 1)
	for _, tc := range []struct {
		name     string
		examples []*model.Batch
		opt      Options
		want     string
	}{
		{"no examples", nil, Options{Epochs: 1, BatchSize: 1, LearningRate: 1}, "train: no training examples"},
		{"epochs", examples, Options{BatchSize: 1, LearningRate: 1}, "train: epochs (0) and batch size (1) must be positive"},
		{"learning rate", examples, Options{Epochs: 1, BatchSize: 1}, "train: the learning rate must be positive, not 0"},
		{"bad token", []*model.Batch{{Size: 1, SeqLen: 1, InputIDs: []int{99}, Labels: []int{0}}},
			Options{Epochs: 1, BatchSize: 1, LearningRate: 1}, "train: epoch 1, step 1: input_ids[0][0] is 99, outside the vocabulary of 20"},
	} {
		_, err := Train(t.Context(), m, tc.examples, tc.opt)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestUnigramPerplexity works a tiny case by hand: training tokens 1, 1, 2 over a vocabulary of 4
// give add-one probabilities 1/7, 3/7, 2/7, 1/7; the evaluation sequence 0 1 2 (then padding) has
// tokens 1 and 2 predicted, so the perplexity is (3/7 · 2/7)^(-1/2) = 7/sqrt(6).
func TestUnigramPerplexity(t *testing.T) {
	examples := []*model.Batch{{Size: 1, SeqLen: 3, InputIDs: []int{1, 1, 2}}}
	eval := []*model.Batch{{Size: 1, SeqLen: 4, InputIDs: []int{0, 1, 2, 0}, Labels: []int{0, 1, 2, -100}}}
	got, err := UnigramPerplexity(examples, eval, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := 7 / math.Sqrt(6); math.Abs(got-want) > 1e-12 {
		t.Errorf("perplexity %g, want %g", got, want)
	}
	one := []*model.Batch{{Size: 1, SeqLen: 1, InputIDs: []int{0}, Labels: []int{0}}}
	if _, err := UnigramPerplexity(examples, one, 4); err == nil {
		t.Errorf("no error for an evaluation with nothing to predict")
	}
}
