package checkpoint

import (
	"encoding/binary"
	"fmt"
	"testing"

	"bertology/core/tensor"
)

// legacyHeader writes the first three pickles of the legacy format: the magic number, the protocol
// version and the system info, as torch.save writes them (each its own pickle, with its own memo).
func legacyHeader(proto4 bool) []byte {
	p := &pickleBuilder{proto4: proto4}
	begin := func() {
		p.slots = 0
		if p.proto4 {
			p.op(opProto, 4)
		} else {
			p.op(opProto, 2)
		}
	}
	begin()
	p.op(opLong1, byte(len(legacyMagic)))
	p.b = append(p.b, legacyMagic...)
	p.op(opStop)
	begin()
	p.int(legacyProtocol)
	p.op(opStop)
	begin()
	p.op(opEmptyDict)
	p.memoize()
	p.op(opMark)
	p.str("protocol_version")
	p.int(legacyProtocol)
	p.str("little_endian")
	p.op(opNewTrue)
	p.str("type_sizes")
	p.op(opEmptyDict)
	p.memoize()
	p.op(opMark)
	for _, kv := range []struct {
		k string
		v int64
	}{{"short", 2}, {"int", 4}, {"long", 8}} {
		p.str(kv.k)
		p.int(kv.v)
	}
	p.op(opSetItems, opSetItems, opStop)
	return p.b
}

// legacyKeys writes the fifth pickle, the list of storage keys.
func legacyKeys(keys ...string) []byte {
	p := &pickleBuilder{}
	p.op(opProto, 2, opEmptyList)
	p.memoize()
	p.op(opMark)
	for _, k := range keys {
		p.str(k)
	}
	p.op(opAppends, opStop)
	return p.b
}

// legacyStorage writes one storage's data as the legacy format holds it: its element count, then its
// bytes.
func legacyStorage(numel int64, data []byte) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(numel)), data...)
}

// legacyFile writes a whole legacy pytorch_model.bin of views into the test storages, keys listing the
// storages in file order.
func legacyFile(proto4 bool, views []testView, keys ...string) []byte {
	numel := map[string]int64{}
	for _, v := range views {
		numel[v.key] = v.numel
	}
	p := &pickleBuilder{proto4: proto4, legacy: true, b: legacyHeader(proto4)}
	p.stateDict(views)
	b := append(p.b, legacyKeys(keys...)...)
	for _, k := range keys {
		b = append(b, legacyStorage(numel[k], testStorages[k])...)
	}
	return b
}

// TestReadPytorchBinLegacy reads the views of TestReadPytorchBinViews from a legacy file, in protocol 2
// (torch.save's) and 4.
func TestReadPytorchBinLegacy(t *testing.T) {
	views := []testView{
		{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{3, 4}, stride: []int64{4, 1}},
		{name: "transposed", storage: "FloatStorage", key: "0", numel: 12, offset: 1, size: []int64{3, 2}, stride: []int64{1, 3}},
		{name: "half", storage: "HalfStorage", key: "1", numel: 4, offset: 1, size: []int64{3}, stride: []int64{1}},
		{name: "bf16", storage: "BFloat16Storage", key: "2", numel: 2, size: []int64{2}, stride: []int64{1}, param: true},
	}
	want := map[string]*tensor.Tensor{
		"w":          tensor.FromData([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4),
		"transposed": tensor.FromData([]float32{1, 4, 2, 5, 3, 6}, 3, 2),
		"half":       tensor.FromData([]float32{-2, 0.5, 65504}, 3),
		"bf16":       tensor.FromData([]float32{1.5, -3}, 2),
	}
	wantDTypes := map[string]string{"w": "F32", "transposed": "F32", "half": "F16", "bf16": "BF16"}
	for _, proto4 := range []bool{false, true} {
		// The keys list gives the file order, which need not be the keys' sorted order.
		got, dtypes, err := readPytorchBin(legacyFile(proto4, views, "2", "0", "1"))
		if err != nil {
			t.Fatalf("protocol 4 %v: %v", proto4, err)
		}
		assertSameTensors(t, "legacy", got, want)
		for name, dt := range wantDTypes {
			if dtypes[name] != dt {
				t.Errorf("%s: dtype %q, want %q", name, dtypes[name], dt)
			}
		}
	}
}

func TestReadPytorchBinLegacyErrors(t *testing.T) {
	w := testView{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{3, 4}, stride: []int64{4, 1}}
	state := func(views ...testView) []byte {
		p := &pickleBuilder{legacy: true}
		p.stateDict(views)
		return p.b
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	header := legacyHeader(false)
	const magicEnd = 15 // the magic number's pickle: PROTO 2, LONG1 10 and its bytes, STOP
	good := legacyFile(false, []testView{w}, "0")
	storage0 := legacyStorage(12, testStorages["0"])
	p2 := func(ops ...byte) []byte { return append([]byte{opProto, 2}, ops...) }
	versionPickle := func(v int64) []byte {
		p := &pickleBuilder{}
		p.op(opProto, 2)
		p.int(v)
		p.op(opStop)
		return p.b
	}
	withMetadata := &pickleBuilder{}
	withMetadata.op(opProto, 2, opEmptyDict, opBinPut, 0, opMark)
	withMetadata.str("w")
	withMetadata.global("torch._utils", "_rebuild_tensor_v2")
	withMetadata.op(opMark, opMark)
	withMetadata.str("storage")
	withMetadata.global("torch", "FloatStorage")
	withMetadata.str("0")
	withMetadata.str("cpu")
	withMetadata.int(12)
	withMetadata.str("1")
	withMetadata.int(0)
	withMetadata.int(12)
	withMetadata.op(opTuple3, opTuple, opBinPersID, opStop)

	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"wrong magic", cat(p2(opBinInt1, 7, opStop), header[magicEnd:]), []string{"not a zip archive", "legacy", "holds int 7, not the magic number"}},
		{"magic without stop", p2(opLong1, 10), []string{"legacy", "byte 2", "needs 10 bytes"}},
		{"version without stop", cat(header[:magicEnd], p2(opBinInt1, 3)), []string{"protocol version", "ends after 4 bytes without STOP"}},
		{"version", cat(header[:magicEnd], versionPickle(1000)), []string{"legacy torch file", "protocol version int 1000, want 1001"}},
		{"no version", header[:magicEnd], []string{"legacy torch file", "protocol version", "no pickle", "ends at byte 15"}},
		{"no system info", cat(header[:magicEnd], versionPickle(1001)), []string{"system info", "no pickle"}},
		{"no state dict", header, []string{"state dict", "no pickle"}},
		{"state dict of a list", cat(header, p2(opEmptyList, opStop)), []string{"legacy torch file", "holds a list, not a state dict"}},
		{"view metadata", cat(header, withMetadata.b), []string{`storage str "0"`, "a view of another storage", "tuple of 3"}},
		{"no keys", cat(header, state(w)), []string{"storage keys", "no pickle"}},
		{"keys not a list", cat(header, state(w), p2(opEmptyDict, opStop), storage0), []string{"storage keys", "a dict, not a list"}},
		{"key not a string", cat(header, state(w), p2(opEmptyList, opBinInt1, 0, opAppend, opStop), storage0), []string{"storage keys", "key 0 is a int 0"}},
		{"key twice", cat(header, state(w), legacyKeys("0", "0"), storage0, storage0), []string{`storage "0" is listed twice`}},
		{"key unused", cat(header, state(w), legacyKeys("0", "9"), storage0), []string{`storage "9" is listed but no tensor views it`}},
		{"key unlisted", cat(header, state(w), legacyKeys(), storage0), []string{`storage "0" is viewed by a tensor but not listed`}},
		{"no element count", cat(header, state(w), legacyKeys("0")), []string{`tensor "w"`, `storage "0"`, "before its element count"}},
		{"element count", cat(header, state(w), legacyKeys("0"), legacyStorage(11, testStorages["0"])),
			[]string{`tensor "w"`, `storage "0"`, "holds 11 elements, the pickle says 12"}},
		{"truncated storage", good[:len(good)-1], []string{`tensor "w"`, `storage "0"`, "needs 48 bytes"}},
		{"trailing bytes", append(good, 0, 0), []string{"2 bytes follow the last storage"}},
		{"bad view", cat(header, state(testView{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{13}, stride: []int64{1}}),
			legacyKeys("0"), storage0), []string{`tensor "w"`, "past the end"}},
	}
	for _, tt := range tests {
		_, err := ReadPytorchBin(tt.data)
		assertErrorMentions(t, tt.name, err, append(tt.want, "torch archive: ")...)
	}
}

// TestReadPytorchBinGoldenResaved re-saves every golden pytorch_model.bin in the legacy format and, like
// fp16 and bf16 checkpoints, with Half and BFloat16 storages (zip and legacy): each reads back as the
// golden tensors rounded to the storage type, bit for bit, with that dtype.
func TestReadPytorchBinGoldenResaved(t *testing.T) {
	for _, arch := range goldenArchs {
		want, err := ReadPytorchBin(readGolden(t, arch, "model", "pytorch_model.bin"))
		if err != nil {
			t.Fatal(err)
		}
		for _, dtype := range []string{"F32", "F16", "BF16"} {
			for _, legacy := range []bool{true, false} {
				what := fmt.Sprintf("%s %s legacy %v", arch, dtype, legacy)
				got, dtypes, err := readPytorchBin(torchBin(t, want, dtype, legacy))
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				rounded := map[string]*tensor.Tensor{}
				for name, w := range want {
					rounded[name] = roundTo(dtype, w)
					if dtypes[name] != dtype {
						t.Errorf("%s: %s has dtype %s", what, name, dtypes[name])
					}
				}
				assertSameTensors(t, what, got, rounded)
			}
		}
	}
}
