package rollout

import "testing"

func TestAugment(t *testing.T) {
	tests := []struct {
		name string
		a    *Attention
		opt  Options
		want []float64
	}{
		// 0.5·A + 0.5·I = [[0.5+0.5, 0], [0.5, 0.5]]; rows already sum to one.
		{"to first, paper", att([][][]float32{toFirst2}), DefaultOptions(), []float64{1, 0, 0.5, 0.5}},
		// Without the residual the attention is returned as is.
		{"to first, no residual", att([][][]float32{toFirst2}), Options{}, []float64{1, 0, 1, 0}},
		// Mean of the two heads is [[.5,.5],[.5,.5]]; 0.5·that + 0.5·I = [[.75,.25],[.25,.75]].
		{"mean of two heads", att([][][]float32{toFirst2, toSecond2}), DefaultOptions(), []float64{0.75, 0.25, 0.25, 0.75}},
		// Max of the two heads is all ones (rows sum to 2); 0.5·that + 0.5·I = [[1,.5],[.5,1]], row sums 1.5,
		// so rownorm gives [[2/3,1/3],[1/3,2/3]].
		{"max of two heads", att([][][]float32{toFirst2, toSecond2}), Options{Reduce: MaxHeads, Residual: 0.5}, []float64{2.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3}},
		// Head subset {1}: A = toSecond2; 0.25·A + 0.75·I = [[.75,.25],[0,1]].
		{"head subset, residual 0.75", att([][][]float32{toFirst2, toSecond2}), Options{Heads: []int{1}, Residual: 0.75}, []float64{0.75, 0.25, 0, 1}},
		// Rows of A that do not sum to one (a cropped, padded map): A = [[.5,0],[.2,.2]];
		// 0.5·A + 0.5·I = [[.75,0],[.1,.6]] → rownorm [[1,0],[1/7,6/7]], which is (A+I) row-normalised:
		// [[1.5,0],[.2,1.2]]/[1.5,1.4].
		{"unnormalised rows", att([][][]float32{{{0.5, 0}, {0.2, 0.2}}}), DefaultOptions(), []float64{1, 0, 1.0 / 7, 6.0 / 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Augment(tt.a, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			assertMatrix(t, "A'", got[0], tt.want)
		})
	}
}
