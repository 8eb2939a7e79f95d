package chart

import (
	"strconv"
	"testing"
)

// TestNeuronView draws a causal head's view for query 1 of 3 tokens: the query strip, each key's k and
// q⊙k strips with their values, the scores and attentions of keys 0 and 1, none for the later key 2.
func TestNeuronView(t *testing.T) {
	v := &NeuronView{Layer: 1, Head: 2, Of: 4, Tokens: []string{"Ġa", "Ġb", "Ġc"}, Token: 1,
		Query: []float32{1, -2}, Keys: []float32{0.5, 0.25, -1, 1, 2, 2},
		Scores: []float32{0, -3, 0}, Probs: []float32{0.9526, 0.0474, 0}, Scale: 1.4142, Causal: true}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	if q := root.find("g", "query")[0].find("rect", ""); len(q) != 2 || floatAttr(t, q[1], "data-w") != -2 {
		t.Fatalf("query strip %v", q)
	}
	keys := root.find("g", "key")
	if len(keys) != 3 {
		t.Fatalf("%d keys, want 3", len(keys))
	}
	for j, k := range keys {
		ks, qk := k.find("g", "k")[0].find("rect", ""), k.find("g", "qk")[0].find("rect", "")
		for i := range 2 {
			if floatAttr(t, ks[i], "data-w") != float64(v.Keys[j*2+i]) || floatAttr(t, qk[i], "data-w") != float64(v.Query[i]*v.Keys[j*2+i]) {
				t.Errorf("key %d dim %d: k %s, q⊙k %s", j, i, ks[i].attr("data-w"), qk[i].attr("data-w"))
			}
		}
		probs := k.find("text", "prob")
		if j == 2 {
			if len(probs) != 0 {
				t.Errorf("the later key of a causal model has an attention %v", probs)
			}
			continue
		}
		if len(probs) != 1 || probs[0].Text != strconv.FormatFloat(float64(v.Probs[j]), 'f', 4, 32) {
			t.Errorf("key %d attention %v", j, probs)
		}
		if sc := k.find("text", "score"); len(sc) != 1 || floatAttr(t, sc[0], "data-w") != float64(v.Scores[j]) {
			t.Errorf("key %d score %v", j, sc)
		}
	}
	v.Token = 3
	if _, err := v.SVG(); err == nil {
		t.Error("token 3 of 3: no error")
	}
}
