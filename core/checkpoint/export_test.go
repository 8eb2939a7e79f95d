package checkpoint

import (
	"testing"

	"bertology/core/tensor"
)

// TorchBin is torchBin for the tests of package checkpoint_test, which load golden models written in
// the layouts real checkpoints have and run them.
func TorchBin(t testing.TB, weights map[string]*tensor.Tensor, dtype string, legacy bool) []byte {
	return torchBin(t, weights, dtype, legacy)
}

// WriteShards is writeShards for the tests of package checkpoint_test.
func WriteShards(t testing.TB, weights map[string]*tensor.Tensor, format string, n int) map[string][]byte {
	return writeShards(t, weights, format, n)
}
