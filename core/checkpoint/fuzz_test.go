package checkpoint

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bertology/core/tensor"
)

// The fuzz targets feed the parsers arbitrary bytes: they must return an error or a consistent result,
// never panic or run away with memory. Seeds are the golden files plus the committed corpus under
// testdata/fuzz; run one with e.g. go test -run '^$' -fuzz FuzzReadSafetensors -fuzztime 2m.

func FuzzReadSafetensors(f *testing.F) {
	f.Add(readGolden(f, "bert", "pruned_model", "model.safetensors"))
	var small bytes.Buffer
	if err := WriteSafetensors(&small, map[string]*tensor.Tensor{"a": tensor.FromData([]float32{1, -2}, 2), "s": tensor.New()}, "F16",
		map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(small.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := ReadSafetensors(data)
		if err != nil {
			return
		}
		// Whatever was read must write out and read back identically as F32.
		var out bytes.Buffer
		if err := WriteSafetensors(&out, tensors, "F32", meta); err != nil {
			t.Fatalf("read but cannot write: %v", err)
		}
		back, backMeta, err := ReadSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("cannot read what was written: %v", err)
		}
		assertSameTensors(t, "rewritten", back, tensors)
		if len(meta) != len(backMeta) || len(meta) > 0 && !reflect.DeepEqual(meta, backMeta) {
			t.Fatalf("metadata %v became %v", meta, backMeta)
		}
	})
}

func FuzzReadPytorchBin(f *testing.F) {
	f.Add(readGolden(f, "bert", "pruned_model", "pytorch_model.bin"))
	f.Add(zipArchive(f, map[string][]byte{
		"archive/data.pkl": statePickle(false, fuzzViews...),
		"archive/data/0":   testStorages["0"],
		"archive/data/1":   testStorages["1"],
	}))
	f.Add(legacyFile(false, fuzzViews, "1", "0"))
	f.Add(legacyFile(true, fuzzViews, "0", "1"))
	// a storage deflated, as an archive re-packed with compression has it
	zeros := 1 << 16
	f.Add(rawArchive(f, statePickle(false, testView{name: "z", storage: "FloatStorage", key: "0", numel: int64(zeros) / 4,
		size: []int64{int64(zeros) / 4}, stride: []int64{1}}),
		map[string]rawEntry{"0": {method: zip.Deflate, data: deflated(f, zeros), size: uint64(zeros), crc: crc32.ChecksumIEEE(make([]byte, zeros))}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, err := ReadPytorchBin(data)
		assertConsistent(t, tensors, err)
	})
}

// FuzzUnpickleStateDict fuzzes data.pkl alone: mutating a whole archive mostly breaks its CRCs, so the
// pickle is wrapped in an archive with the test storages for each run.
func FuzzUnpickleStateDict(f *testing.F) {
	f.Add(goldenPickle(f, "gpt2", "pruned_model"))
	f.Add(statePickle(false, fuzzViews...))
	f.Add(statePickle(true, fuzzViews...))
	f.Fuzz(func(t *testing.T, pickle []byte) {
		tensors, err := ReadPytorchBin(torchArchive(t, pickle, testStorages))
		assertConsistent(t, tensors, err)
	})
}

func FuzzParseConfig(f *testing.F) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			f.Add(readGolden(f, arch, dir, "config.json"))
		}
	}
	f.Add([]byte(`{"architectures": ["TFDistilBertForMaskedLM"], "dim": 32, "n_heads": 4}`))
	f.Add([]byte(`{"model_type": null, "architectures": ["GPT2Model", "BertModel"]}`))
	f.Add(readGolden(f, "llama", "model", "config.json"))
	f.Add(readGolden(f, "stories260K", "hf", "config.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		// What JSON writes must parse to the same config and write the same bytes again.
		out, err := c.JSON()
		if err != nil {
			t.Fatalf("parsed but cannot write: %v", err)
		}
		back, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("cannot parse what JSON wrote: %v\n%s", err, out)
		}
		again, err := back.JSON()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("JSON is not stable (%v):\n%s\nthen\n%s", err, out, again)
		}
		c.Raw, back.Raw = nil, nil
		if !reflect.DeepEqual(c, back) {
			t.Fatalf("config changed in a round trip:\n%+v\n%+v", c, back)
		}
	})
}

// fuzzViews seed the pickle fuzzers with a contiguous, a transposed and a half-precision view.
var fuzzViews = []testView{
	{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{3, 4}, stride: []int64{4, 1}},
	{name: "t", storage: "FloatStorage", key: "0", numel: 12, offset: 1, size: []int64{3, 2}, stride: []int64{1, 3}},
	{name: "h", storage: "HalfStorage", key: "1", numel: 4, size: []int64{2, 2}, stride: []int64{1, 2}, param: true},
}

// assertConsistent checks that a reader returned either an error or tensors whose data fills their shape.
func assertConsistent(t *testing.T, tensors map[string]*tensor.Tensor, err error) {
	t.Helper()
	if err != nil {
		if tensors != nil {
			t.Fatalf("tensors returned with error %v", err)
		}
		return
	}
	for name, x := range tensors {
		if len(x.Data) != tensor.NumElements(x.Shape) {
			t.Fatalf("%s: %d elements for shape %v", name, len(x.Data), x.Shape)
		}
	}
}

// goldenPickle returns the data.pkl inside a golden pytorch_model.bin.
func goldenPickle(f *testing.F, arch, dir string) []byte {
	data := readGolden(f, arch, dir, "pytorch_model.bin")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		f.Fatal(err)
	}
	rc, err := zr.Open("pytorch_model/data.pkl")
	if err != nil {
		f.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzShardFiles parses arbitrary indexes of shards: every shard it lists is a plain file name some
// tensor is in, listed once, sorted.
func FuzzShardFiles(f *testing.F) {
	w := map[string]*tensor.Tensor{"a": tensor.New(1), "b": tensor.New(2), "c": tensor.New(3)}
	f.Add(writeShards(f, w, "model.safetensors", 2)["model.safetensors.index.json"])
	f.Add([]byte(`{"metadata": {"total_size": 8}, "weight_map": {"a": "x.bin", "b": "x.bin"}}`))
	f.Add([]byte(`{"weight_map": {"a": "../x"}}`))
	f.Add([]byte(`{"metadata": {"total_size": 3}}`))
	f.Fuzz(func(t *testing.T, index []byte) {
		weightMap, shards, err := readShardIndex("pytorch_model.bin.index.json", index)
		if listed, err2 := ShardFiles(index); (err == nil) != (err2 == nil) || !slices.Equal(listed, shards) {
			t.Fatalf("ShardFiles = %q, %v; readShardIndex = %q, %v", listed, err2, shards, err)
		}
		if err != nil {
			return
		}
		if len(shards) == 0 {
			t.Fatal("no shards and no error")
		}
		for i, s := range shards {
			if filepath.Base(s) != s || s == "." || s == ".." || strings.ContainsAny(s, `/\`) || i > 0 && shards[i-1] >= s {
				t.Fatalf("shards %q", shards)
			}
		}
		for name, s := range weightMap {
			if !slices.Contains(shards, s) {
				t.Fatalf("tensor %q is in shard %q, not among %q", name, s, shards)
			}
		}
	})
}
