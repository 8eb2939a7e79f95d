package bertology

import (
	"fmt"
	"os"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// BenchmarkImportance measures head-importance throughput (examples/s: forward, head-mask gradient and
// attention entropy) over the first 200 SST-2 dev sentences, tokenized with the real bert-base-uncased
// vocabulary, for random models of two shapes. Batches of 8, padded to their longest sentence.
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
		name   string
		config string
	}{
		{"bert-tiny", `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "num_hidden_layers": 2, "hidden_size": 128, "num_attention_heads": 2, "intermediate_size": 512}`},
		{"distilbert-base", `{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"]}`},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
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
			m, err := model.New(ck)
			if err != nil {
				b.Fatal(err)
			}
			batches, err := dataset.Classification(m, tok, task, examples, 128, 8, dataset.PadToLongest)
			if err != nil {
				b.Fatal(err)
			}
			opt := Options{Entropy: true, Importance: true, Normalization: BothNormalizations}
			for b.Loop() {
				if _, err := ComputeImportance(b.Context(), ModelRunner{Model: m}, batches, opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(examples))*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
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
