package tensor

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestMarshalJSON(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	for _, tc := range []struct {
		t    *Tensor
		want string
	}{
		{FromData([]float32{1, -0.5, 0.1, 3}, 2, 2), `{"shape":[2,2],"dtype":"float32","data":[1,-0.5,0.1,3]}`},
		{FromData([]float32{nan, inf, 2}, 3), `{"shape":[3],"dtype":"float32","data":[null,null,2]}`},
		{&Tensor{}, `{"shape":[],"dtype":"float32","data":[]}`},
	} {
		b, err := json.Marshal(tc.t)
		if err != nil || string(b) != tc.want {
			t.Errorf("%v: %s (%v), want %s", tc.t.Data, b, err, tc.want)
		}
	}
	// A nil tensor in a struct is null, and a tensor held by value is written as one.
	b, err := json.Marshal(struct {
		A *Tensor `json:"a"`
		B Tensor  `json:"b"`
	}{B: Tensor{Shape: []int{1}, Data: []float32{7}}})
	if want := `{"a":null,"b":{"shape":[1],"dtype":"float32","data":[7]}}`; err != nil || string(b) != want {
		t.Errorf("%s (%v), want %s", b, err, want)
	}
}

// TestFloat32RoundTrip checks that the JSON's decimals read back as the same float32.
func TestFloat32RoundTrip(t *testing.T) {
	for _, v := range []float32{0, 1, -0.1, 3.4028235e38, 1.17549435e-38, 1e-45, 0.70710677} {
		b, err := json.Marshal(FromData([]float32{v}, 1))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.TrimSuffix(strings.TrimPrefix(string(b), `{"shape":[1],"dtype":"float32","data":[`), "]}")
		back, err := strconv.ParseFloat(s, 32)
		if err != nil || float32(back) != v {
			t.Errorf("%v written as %s reads back as %v (%v)", v, s, back, err)
		}
	}
}
