package metrics

import "math"

// Accuracy is the fraction of predictions equal to their labels (0 for no examples).
func Accuracy(preds, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	correct := 0
	for i, p := range preds {
		if p == labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(labels))
}

// F1 is scikit-learn's f1_score with average="binary": the F1 score of class 1,
// 2·TP / (2·TP + FP + FN), and 0 where that is 0/0 (no 1 among predictions or labels), which is what
// zero_division="warn" returns.
func F1(preds, labels []int) float64 {
	var tp, fp, fn int
	for i, p := range preds {
		switch {
		case p == 1 && labels[i] == 1:
			tp++
		case p == 1:
			fp++
		case labels[i] == 1:
			fn++
		}
	}
	if tp+fp+fn == 0 {
		return 0
	}
	return float64(2*tp) / float64(2*tp+fp+fn)
}

// MatthewsCorrcoef is scikit-learn's matthews_corrcoef for any number of classes, from the confusion
// matrix C (rows: labels, columns: predictions) with t = its row sums, p = its column sums, c = its
// trace and n = its total:
//
//	(c·n − t·p) / sqrt((n² − p·p)(n² − t·t))
//
// and 0 where the denominator is 0, as when all labels or all predictions are one class.
func MatthewsCorrcoef(preds, labels []int) float64 {
	t := map[int]float64{} // examples with each label
	p := map[int]float64{} // examples predicted as each class
	var correct float64
	for i, pred := range preds {
		t[labels[i]]++
		p[pred]++
		if pred == labels[i] {
			correct++
		}
	}
	n := float64(len(preds))
	var tp, pp, tt float64 // t·p, p·p, t·t
	for class, count := range t {
		tp += count * p[class]
		tt += count * count
	}
	for _, count := range p {
		pp += count * count
	}
	covPredPred, covTrueTrue := n*n-pp, n*n-tt
	if covPredPred*covTrueTrue == 0 {
		return 0
	}
	return (correct*n - tp) / math.Sqrt(covTrueTrue*covPredPred)
}
