// Package tensor holds the dense, row-major float32 array that bertology's packages pass to each other.
//
// It is deliberately small: a shape and a flat slice. Kernels take plain slices with explicit dimensions;
// Tensor exists so that a checkpoint, a model output or a golden reference can carry its shape along.
package tensor

import "fmt"

// Tensor is a dense row-major float32 array. len(Data) == NumElements(Shape).
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zeroed tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, NumElements(shape))}
}

// FromData wraps data (not copied) in a tensor of the given shape. It panics when the sizes disagree,
// since that is a programming error in the caller, not bad input.
func FromData(data []float32, shape ...int) *Tensor {
	if n := NumElements(shape); n != len(data) {
		panic(fmt.Sprintf("tensor: %d elements do not fill shape %v (%d)", len(data), shape, n))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// NumElements is the product of the dimensions; 1 for a scalar (empty shape).
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// SameShape reports whether t and u have identical shapes.
func (t *Tensor) SameShape(u *Tensor) bool {
	if len(t.Shape) != len(u.Shape) {
		return false
	}
	for i := range t.Shape {
		if t.Shape[i] != u.Shape[i] {
			return false
		}
	}
	return true
}
