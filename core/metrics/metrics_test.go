package metrics

import (
	"math"
	"strings"
	"testing"

	"bertology/core/f64"
)

// confusion2x2 returns predictions and labels with confusion matrix [[5, 1], [2, 4]] (rows: labels):
// 5 true negatives, 1 false positive, 2 false negatives, 4 true positives.
func confusion2x2() (preds, labels []int) {
	preds = []int{0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1}
	labels = []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}
	return preds, labels
}

// Twenty random binary and three-class predictions and labels (numpy.random.RandomState(0)); the wanted
// values below are scikit-learn 1.2.1's.
var (
	binLabels   = []int{0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}
	binPreds    = []int{0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0}
	threeLabels = []int{2, 0, 1, 1, 2, 0, 1, 1, 1, 0, 2, 0, 2, 2, 0, 2, 0, 0, 0, 1}
	threePreds  = []int{1, 2, 0, 0, 1, 0, 1, 2, 2, 0, 1, 1, 1, 1, 2, 2, 2, 0, 2, 1}
)

func TestClassificationMetrics(t *testing.T) {
	p22, l22 := confusion2x2()
	for _, c := range []struct {
		name          string
		preds, labels []int
		acc, f1, mcc  float64
		skipF1        bool
	}{
		// acc 9/12; F1 2·4/(2·4+1+2) = 8/11; MCC (4·5 − 1·2)/sqrt((4+1)(4+2)(5+1)(5+2)) = 18/sqrt(1260).
		{name: "2x2", preds: p22, labels: l22, acc: 0.75, f1: 8.0 / 11, mcc: 18 / math.Sqrt(1260)},
		{name: "random binary", preds: binPreds, labels: binLabels, acc: 0.55, f1: 0.6086956521739131, mcc: 0.08206099398622181},
		{name: "three classes", preds: threePreds, labels: threeLabels, acc: 0.3, mcc: -0.03802308854563442, skipF1: true},
		// All predictions one class: MCC's denominator is 0, so 0. F1 = 2·2/(2·2+2+0) = 2/3.
		{name: "one predicted class", preds: []int{1, 1, 1, 1}, labels: []int{0, 1, 0, 1}, acc: 0.5, f1: 2.0 / 3, mcc: 0},
		{name: "one true class", preds: []int{0, 1, 0, 1}, labels: []int{1, 1, 1, 1}, acc: 0.5, f1: 2.0 / 3, mcc: 0},
		// No positive predictions: precision is 0/0, which zero_division="warn" makes 0, and F1 is 0.
		{name: "no positive predictions", preds: []int{0, 0, 0, 0}, labels: []int{0, 1, 0, 1}, acc: 0.5, f1: 0, mcc: 0},
		{name: "no positives at all", preds: []int{0, 0, 0}, labels: []int{0, 0, 0}, acc: 1, f1: 0, mcc: 0},
		// Perfect and perfectly wrong.
		{name: "perfect", preds: []int{0, 1, 1, 0}, labels: []int{0, 1, 1, 0}, acc: 1, f1: 1, mcc: 1},
		{name: "inverted", preds: []int{1, 0, 0, 1}, labels: []int{0, 1, 1, 0}, acc: 0, f1: 0, mcc: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			assertNear(t, "accuracy", Accuracy(c.preds, c.labels), c.acc, 1e-15)
			if !c.skipF1 {
				assertNear(t, "F1", F1(c.preds, c.labels), c.f1, 1e-15)
			}
			assertNear(t, "MCC", MatthewsCorrcoef(c.preds, c.labels), c.mcc, 1e-15)
		})
	}
}

// Twenty STS-B-like scores with ties in both (numpy.random.RandomState(0)); the wanted correlations are
// SciPy 1.10.1's pearsonr and spearmanr on these float32 arrays.
var (
	regPreds   = []float32{1.63, 0.19, 3.17, 4.79, 3.26, 3.18, 4.98, 2.91, 2.07, 2.37, 3.12, 1.69, 3.37, 1.59, 3.89, 4.75, 3.31, 0.07, 3.11, 3.37}
	regTargets = []float32{0.9, 0.2, 2.8, 4.8, 3.6, 3.1, 4.7, 0.7, 2.8, 2.7, 4.2, 1.9, 4.2, 1.6, 4.3, 5.0, 2.8, 0.8, 4.2, 1.2}
)

func TestCorrelations(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name              string
		x, y              []float64
		pearson, spearman float64
	}{
		// Centred x = [-1.5 -0.5 0.5 1.5], y = [-3 -1 0 4]: 11/sqrt(5·26). The ranks agree: Spearman 1.
		{"linear-ish", []float64{1, 2, 3, 4}, []float64{2, 4, 5, 9}, 11 / math.Sqrt(130), 1},
		// Ranks of x with the tie averaged: [1 2.5 2.5 4]; of y: [1 3 2 4]. Centred: [-1.5 0 0 1.5] and
		// [-1.5 0.5 -0.5 1.5], so Spearman = 4.5/sqrt(4.5·5). Pearson of x and y is the same here.
		{"ties", []float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}, 4.5 / math.Sqrt(22.5), 4.5 / math.Sqrt(22.5)},
		{"STS-B-like", f64.FromFloat32(regPreds), f64.FromFloat32(regTargets), 0.8152905482374343, 0.7981921451306949},
		{"two points", []float64{1, 2}, []float64{3, 1}, -1, -1},
		{"constant x", []float64{1, 1, 1}, []float64{1, 2, 3}, nan, nan},
		{"constant y", []float64{1, 2, 3}, []float64{0, 0, 0}, nan, nan},
		{"NaN", []float64{1, nan, 3}, []float64{1, 2, 3}, nan, nan},
		{"one point", []float64{1}, []float64{2}, nan, nan},
	} {
		t.Run(c.name, func(t *testing.T) {
			assertNear(t, "Pearson", Pearson(c.x, c.y), c.pearson, 1e-12)
			assertNear(t, "Spearman", Spearman(c.x, c.y), c.spearman, 1e-12)
		})
	}
}

func TestRanks(t *testing.T) {
	got := ranks([]float64{10, 30, 20, 20, 10, 40, 20})
	want := []float64{1.5, 6, 4, 4, 1.5, 7, 4} // 10s share ranks 1-2, 20s share 3-5
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks %v, want %v", got, want)
		}
	}
}

// TestCompute checks the keys and values glue_compute_metrics reports for each task.
func TestCompute(t *testing.T) {
	p22, l22 := confusion2x2()
	acc, f1 := 0.75, 8.0/11
	for _, c := range []struct {
		task string
		want map[string]float64
	}{
		{"cola", map[string]float64{"mcc": 18 / math.Sqrt(1260)}},
		{"CoLA", map[string]float64{"mcc": 18 / math.Sqrt(1260)}},
		{"sst-2", map[string]float64{"acc": acc}},
		{"sst2", map[string]float64{"acc": acc}},
		{"mrpc", map[string]float64{"acc": acc, "f1": f1, "acc_and_f1": (acc + f1) / 2}},
		{"qqp", map[string]float64{"acc": acc, "f1": f1, "acc_and_f1": (acc + f1) / 2}},
		{"mnli", map[string]float64{"mnli/acc": acc}},
		{"mnli-mm", map[string]float64{"mnli-mm/acc": acc}},
		{"qnli", map[string]float64{"acc": acc}},
		{"rte", map[string]float64{"acc": acc}},
		{"wnli", map[string]float64{"acc": acc}},
	} {
		got, err := Compute(c.task, p22, l22)
		if err != nil {
			t.Errorf("%s: %v", c.task, err)
			continue
		}
		assertSameMetrics(t, c.task, got, c.want)
	}
	got, err := Compute("mnli", threePreds, threeLabels)
	if err != nil {
		t.Fatal(err)
	}
	assertSameMetrics(t, "mnli, three classes", got, map[string]float64{"mnli/acc": 0.3})

	p, s := 0.8152905482374343, 0.7981921451306949
	got, err = ComputeRegression("sts-b", regPreds, regTargets)
	if err != nil {
		t.Fatal(err)
	}
	assertSameMetrics(t, "sts-b", got, map[string]float64{"pearson": p, "spearmanr": s, "corr": (p + s) / 2})
}

func TestComputeErrors(t *testing.T) {
	for _, c := range []struct {
		task          string
		preds, labels []int
		want          string
	}{
		{"squad", []int{0}, []int{0}, `unknown task "squad"`},
		{"sts-b", []int{0}, []int{0}, "STS-B is a regression task: use ComputeRegression"},
		{"sst-2", []int{0, 1}, []int{0}, "2 predictions for 1 labels"},
		{"sst-2", nil, nil, "no examples"},
		{"sst-2", []int{0, 2}, []int{0, 1}, "prediction 1 is 2, not a class id of SST-2 (0 to 1)"},
		{"mnli", []int{0, 2}, []int{-1, 1}, "label 0 is -1, not a class id of MNLI (0 to 2)"},
	} {
		if _, err := Compute(c.task, c.preds, c.labels); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compute(%s, %v, %v): error %v, want %q", c.task, c.preds, c.labels, err, c.want)
		}
	}
	for _, c := range []struct {
		task           string
		preds, targets []float32
		want           string
	}{
		{"sst-2", []float32{0, 1}, []float32{0, 1}, "SST-2 is a classification task: use Compute"},
		{"sts-b", []float32{0, 1}, []float32{0}, "2 predictions for 1 labels"},
		{"sts-b", []float32{1}, []float32{2}, "at least 2 examples"},
	} {
		if _, err := ComputeRegression(c.task, c.preds, c.targets); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ComputeRegression(%s, %v, %v): error %v, want %q", c.task, c.preds, c.targets, err, c.want)
		}
	}
}

func assertNear(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(want) != math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.17g, want %.17g", what, got, want)
	}
}

func assertSameMetrics(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: metrics %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no %q in %v", what, k, got)
			continue
		}
		assertNear(t, what+" "+k, g, w, 1e-12)
	}
}
