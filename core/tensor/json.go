package tensor

import (
	"encoding/json"
	"math"
	"strconv"
)

// MarshalJSON writes t as the goldens store a tensor, {"shape": [...], "dtype": "float32", "data": [flat,
// row-major]}, so that what the command line writes reads as a golden does. Each value is the shortest
// decimal that reads back as the same float32; NaN and the infinities, which JSON cannot hold, are null.
func (t Tensor) MarshalJSON() ([]byte, error) {
	shape, err := json.Marshal(t.Shape)
	if err != nil {
		return nil, err
	}
	if t.Shape == nil {
		shape = []byte("[]")
	}
	b := append([]byte(`{"shape":`), shape...)
	b = append(b, `,"dtype":"float32","data":[`...)
	for i, v := range t.Data {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat32(b, v)
	}
	return append(b, "]}"...), nil
}

// appendFloat32 appends v as the shortest decimal that reads back as v, or null.
func appendFloat32(b []byte, v float32) []byte {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 32)
}
