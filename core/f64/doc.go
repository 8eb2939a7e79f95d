// Package f64 holds the float64 arithmetic on vectors that the analyses share: softmax and log-sum-exp
// (with the maximum subtracted, so that nothing overflows), the k largest entries, and conversion from
// and to float32.
//
// The model computes in float32; what is reported from its outputs (probabilities over a vocabulary,
// losses, importance) is summed in float64 so that large sums keep their precision.
package f64
