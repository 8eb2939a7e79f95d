package checkpoint

import (
	"fmt"

	"bertology/core/tensor"
)

// weightFile is a weight file whose header (safetensors) or pickle (torch) has been read and checked
// against the file, with no tensor decoded yet, so that what several files need together (the shards of
// a checkpoint) is known before any is decoded.
type weightFile interface {
	names() []string
	// bytesNeeded is the size of the tensors widened to float32.
	bytesNeeded() int64
	// decode decodes the tensors, calling step before each (each storage of a torch file) and once
	// after the last.
	decode(step tensorStep) (tensors map[string]*tensor.Tensor, dtypes map[string]string, err error)
}

// tensorStep is called by a weight file's decode before it decodes each of total tensors, done of them
// decoded, and once more with done equal to total; an error stops the decoding with that error.
type tensorStep func(done, total int) error

func noStep(int, int) error { return nil }

// checkWeightBytes refuses weights that would decode to more than MaxWeightBytes.
func checkWeightBytes(need int64) error {
	if need > MaxWeightBytes {
		return fmt.Errorf("the weights need %d bytes as float32, over the %d-byte limit (MaxWeightBytes)", need, MaxWeightBytes)
	}
	return nil
}

// decodeWithin decodes one weight file after checking it against MaxWeightBytes.
func decodeWithin(f weightFile, step tensorStep) (map[string]*tensor.Tensor, map[string]string, error) {
	if err := checkWeightBytes(f.bytesNeeded()); err != nil {
		return nil, nil, err
	}
	return f.decode(step)
}

// readWeights decodes the weights of files[from], one of WeightFiles, and for an index those of the
// shards it lists, which it returns too, calling step as each file decodes.
func readWeights(from string, files map[string][]byte, step tensorStep) (map[string]*tensor.Tensor, map[string]string, []string, error) {
	if _, sharded := shardIndexes[from]; sharded {
		return readShards(from, files, step)
	}
	f, err := openWeightFile(from, files[from])
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", from, err)
	}
	weights, dtypes, err := decodeWithin(f, step)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", from, err)
	}
	return weights, dtypes, nil, nil
}

// openWeightFile opens data as a weight file of the format the file name format says: model.safetensors
// or pytorch_model.bin.
func openWeightFile(format string, data []byte) (weightFile, error) {
	if format == "model.safetensors" {
		f, err := openSafetensors(data)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	f, err := openPytorchBin(data)
	if err != nil {
		return nil, err
	}
	return f, nil
}
