package glue

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"

	"bertology/core/golden"
)

// TestReadRealGLUE reads the real GLUE files in ../shared/data/glue. The wanted counts, label sums and
// SHA-256 of "guid\ttext_a\ttext_b\n" over all examples come from the processors' _create_examples run
// on _read_tsv's rows (csv.reader, delimiter "\t", quotechar None, encoding utf-8-sig).
func TestReadRealGLUE(t *testing.T) {
	for _, c := range []struct {
		task, split, file string
		n                 int
		labelSum          float64 // sum of class ids, or of STS-B scores
		sha256            string
		first, last       Example
	}{
		{"sst-2", "dev", "SST-2/dev.tsv", 872, 444, "df077d2e0f06e267cd6c78ea87dae429065def5042bb90ab4bd1d75703a84018",
			Example{GUID: "dev-1", TextA: "it 's a charming and often affecting journey . ", Label: 1},
			Example{GUID: "dev-872", TextA: "looking aristocratic , luminous yet careworn in jane hamilton 's exemplary costumes , rampling gives a performance that could not be improved upon . ' ", Label: 1}},
		{"sst-2", "test", "SST-2/test.tsv", 1821, 0, "9c18a6d4b02329b13b4ae20f5ce25df81283f819e3742134e1720fc9a4f148d0",
			Example{GUID: "test-1", TextA: "uneasy mishmash of styles and genres .", Label: -1},
			Example{GUID: "test-1821", TextA: "dazzling and sugar-sweet , a blast of shallow magnificence that only sex , scandal , and a chorus line of dangerous damsels can deliver .", Label: -1}},
		{"cola", "dev", "CoLA/in_domain_dev.tsv", 527, 365, "b6f38e0f8841b9037925a4f29925c908446fe9a5462a4600e3a31ead5248e728",
			Example{GUID: "dev-0", TextA: "The sailors rode the breeze clear of the rocks.", Label: 1},
			Example{GUID: "dev-526", TextA: "Anson became a muscle bound.", Label: 0}},
		{"cola", "dev", "CoLA/out_of_domain_dev.tsv", 516, 354, "f60d48dd3e7809847d2c4af2f2437b62c414a67a41a51d5fbb1c57b0503a5d5a",
			Example{GUID: "dev-0", TextA: "Somebody just left - guess who.", Label: 1},
			Example{GUID: "dev-515", TextA: "John talked to Bill about himself.", Label: 1}},
		{"mrpc", "dev", "MRPC/dev.tsv", 408, 279, "920260641d9ec7e9da22eaa1c513e87e1f432ae45168d2a16a144cd16e619db2",
			Example{GUID: "dev-1", TextA: "He said the foodservice pie business doesn't fit the company's long-term growth strategy.",
				TextB: "\"The foodservice pie business does not fit our long-term growth strategy.", Label: 1},
			Example{GUID: "dev-408", TextA: "Ex-KGB agent Putin added that the Beatles were considered 'propaganda of an alien ideology'.",
				TextB: "In Soviet times the Beatles' music \"was considered propaganda of an alien ideology.", Label: 1}},
		{"mrpc", "test", "MRPC/test.tsv", 1725, 0, "e68a45358ebb6715b3a2c48457f2c3060f220f983791d28e79ab699647f13cec",
			Example{GUID: "test-1", TextA: "PCCW's chief operating officer, Mike Butcher, and Alex Arena, the chief financial officer, will report directly to Mr So.",
				TextB: "Current Chief Operating Officer Mike Butcher and Group Chief Financial Officer Alex Arena will report to So.", Label: -1},
			Example{GUID: "test-1725", TextA: "Sobig.F spreads when unsuspecting computer users open file attachments in emails that contain such familiar headings as \"Thank You!,\" \"Re: Details\" or \"Re: That Movie.\"",
				TextB: "The virus spreads when unsuspecting computer users open file attachments in emails that contain familiar headings like \"Thank You!\" and \"Re: Details\".", Label: -1}},
		{"sts-b", "dev", "STS-B/dev.tsv", 1500, 3545.8613333333324, "6bec9079024f93121840c6a1f0fce6cc1aa3269cb99d23bcfe2ea39aeb6802e6",
			Example{GUID: "dev-0", TextA: "A man with a hard hat is dancing.", TextB: "A man wearing a hard hat is dancing.", Label: 0, Target: 5},
			Example{GUID: "dev-1499", TextA: "New video shows US police officers beating mentally-ill man",
				TextB: "New York police officer critically wounded in hatchet attack", Label: 0, Target: 0}},
		{"sts-b", "test", "STS-B/test.tsv", 1379, 0, "e45fdcc35da0334ff57808924f4ef45faab5e997ff4a46b735072c6087a3338f",
			Example{GUID: "test-0", TextA: "A girl is styling her hair.", TextB: "A girl is brushing her hair.", Label: -1},
			Example{GUID: "test-1378", TextA: "South Korea declares end to MERS outbreak",
				TextB: "North Korea Delegation Meets With South Korean Officials", Label: -1}},
	} {
		t.Run(c.file+"/"+c.split, func(t *testing.T) {
			task, err := LookupTask(c.task)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(golden.SharedPath(t, "data", "glue", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			examples, err := ReadTSV(f, task, c.split)
			if err != nil {
				t.Fatal(err)
			}
			if len(examples) != c.n {
				t.Fatalf("%d examples, want %d", len(examples), c.n)
			}
			h := sha256.New()
			var sum float64
			for _, ex := range examples {
				fmt.Fprintf(h, "%s\t%s\t%s\n", ex.GUID, ex.TextA, ex.TextB)
				if task.Regression() {
					sum += float64(ex.Target)
				} else if ex.Label > 0 {
					sum += float64(ex.Label)
				}
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != c.sha256 {
				t.Errorf("SHA-256 of the examples %s, want %s", got, c.sha256)
			}
			// STS-B's scores are float32 here: their sum can differ from Python's float64 one by ~1e-4.
			if math.Abs(sum-c.labelSum) > 1e-3 {
				t.Errorf("labels sum to %v, want %v", sum, c.labelSum)
			}
			if !reflect.DeepEqual(examples[0], c.first) || !reflect.DeepEqual(examples[len(examples)-1], c.last) {
				t.Errorf("first and last examples\n%+v\n%+v\nwant\n%+v\n%+v", examples[0], examples[len(examples)-1], c.first, c.last)
			}
		})
	}
}

// TestReadGoldenSST2 reads the 12-row SST-2 file run_bertology.py evaluated in the goldens; its labels
// must be those of features.json, the features the script built from it.
func TestReadGoldenSST2(t *testing.T) {
	f, err := os.Open(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	task, _ := LookupTask("sst-2")
	examples, err := ReadTSV(f, task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	var features struct {
		Features []struct {
			Label int `json:"label"`
		} `json:"features"`
	}
	golden.Decode(t, golden.Path(t, "run_bertology", "features.json"), &features)
	if len(examples) != len(features.Features) {
		t.Fatalf("%d examples, run_bertology.py built %d features", len(examples), len(features.Features))
	}
	for i, ex := range examples {
		if ex.Label != features.Features[i].Label {
			t.Errorf("example %d (%q): label %d, features.json has %d", i, ex.TextA, ex.Label, features.Features[i].Label)
		}
	}
	if examples[0].TextA != "the quick brown fox" || examples[11].TextA != "ok" {
		t.Errorf("first and last sentences %q, %q", examples[0].TextA, examples[11].TextA)
	}
}
