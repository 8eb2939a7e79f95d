package bertology

import (
	"fmt"
	"os"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/kernel"
	"bertology/core/model"
	"bertology/core/parallel"
	"bertology/core/tokenizer"
)

// BenchmarkImportance measures head-importance throughput (examples/s: forward, head-mask gradient and
// attention entropy) over the first 200 SST-2 dev sentences, tokenized with the real bert-base-uncased
// vocabulary, for random models of two shapes: at batch 1 and 32 (padded to the batch's longest
// sentence), with one worker and one per CPU (natively; js/wasm has one thread), on each kernel
// implementation (named last, for build.sh bench's table). distilbert-base runs on the default kernels
// only: on Go's it takes minutes.
func BenchmarkImportance(b *testing.B) {
	vocab, err := os.ReadFile(golden.SharedPath(b, "data", "tokenizers", "bert-base-uncased", "vocab.txt"))
	if err != nil {
		b.Fatal(err)
	}
	dev, err := os.Open(golden.SharedPath(b, "data", "glue", "SST-2", "dev.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	task, err := glue.LookupTask("sst-2")
	if err != nil {
		b.Fatal(err)
	}
	examples, err := glue.ReadTSV(dev, task, "dev")
	if err != nil {
		b.Fatal(err)
	}
	examples = examples[:200]
	shapes := []struct {
		name    string
		config  string
		kernels []kernel.Kernels
	}{
		{"bert-tiny", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "num_hidden_layers": 2, "hidden_size": 128, "num_attention_heads": 2, "intermediate_size": 512}`, kernel.Implementations()},
		{"distilbert-base", `{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"]}`, []kernel.Kernels{kernel.Default}},
	}
	workers := []int{1}
	if parallel.Workers() > 1 {
		workers = append(workers, parallel.Workers())
	}
	for _, s := range shapes {
		cfg, err := checkpoint.ParseConfig([]byte(s.config))
		if err != nil {
			b.Fatal(err)
		}
		tok, err := tokenizer.FromFiles(string(cfg.ModelType), map[string][]byte{"vocab.txt": vocab})
		if err != nil {
			b.Fatal(err)
		}
		ck, err := model.RandomCheckpoint(cfg, 1)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range s.kernels {
			m, err := model.New(ck, model.WithKernels(k))
			if err != nil {
				b.Fatal(err)
			}
			for _, size := range []int{1, 32} {
				batches, err := dataset.Classification(m, tok, task, examples, 128, size, dataset.PadToLongest)
				if err != nil {
					b.Fatal(err)
				}
				for _, w := range workers {
					b.Run(fmt.Sprintf("%s/batch=%d/workers=%d/%s", s.name, size, w, k.Name()), func(b *testing.B) {
						opt := Options{Entropy: true, Importance: true, Normalization: BothNormalizations}
						for b.Loop() {
							if _, err := ComputeImportance(b.Context(), ModelRunner{Model: m, Workers: w}, batches, opt); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(float64(len(examples))*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
					})
				}
			}
		}
	}
}

func ExampleFormatTable() {
	for _, line := range FormatTable([]float32{0.5, 1, 0.25, 0}, 2, 2) {
		fmt.Println(line)
	}
	// Output:
	// lv, h >	1	2
	// layer 1:	0.50000	1.00000
	// layer 2:	0.25000	0.00000
}
