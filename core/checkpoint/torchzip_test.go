package checkpoint

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"runtime"
	"slices"
	"testing"

	"bertology/core/tensor"
)

// tiedWeights names, for each tied key that pytorch_model.bin holds and model.safetensors leaves out,
// the weight it is tied to.
var tiedWeights = map[string]map[string]string{
	"bert-mlm": {
		"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
		"cls.predictions.decoder.bias":   "cls.predictions.bias",
	},
	"gpt2":       {"lm_head.weight": "transformer.wte.weight"},
	"openai-gpt": {"lm_head.weight": "transformer.tokens_embed.weight"},
}

// TestReadPytorchBinGolden checks every golden pytorch_model.bin against the model.safetensors beside it:
// the same tensors, bit for bit, plus the tied copies.
func TestReadPytorchBinGolden(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			bin, err := ReadPytorchBin(readGolden(t, arch, dir, "pytorch_model.bin"))
			if err != nil {
				t.Fatalf("%s/%s: %v", arch, dir, err)
			}
			st, _, err := ReadSafetensors(readGolden(t, arch, dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]*tensor.Tensor{}
			for name, w := range st {
				want[name] = w
			}
			for tied, source := range tiedWeights[arch] {
				want[tied] = st[source]
			}
			assertSameTensors(t, arch+"/"+dir, bin, want)
			if got, want := slices.Sorted(maps.Keys(bin)), goldenWeightsOf(t, arch, dir).BinKeys; !slices.Equal(got, want) {
				t.Errorf("%s/%s: keys %v, want %v", arch, dir, got, want)
			}
		}
	}
}

// pickleBuilder writes the opcodes torch.save emits, so that tests can make archives with the views,
// dtypes and mistakes that the golden files do not have. proto4 switches to protocol 4's short forms;
// legacy writes the persistent ids of the legacy format.
type pickleBuilder struct {
	b      []byte
	proto4 bool
	legacy bool
	slots  int // memo slots used
}

func (p *pickleBuilder) op(ops ...byte) { p.b = append(p.b, ops...) }

// memoize stores the value just made in the next memo slot, as the pickler does.
func (p *pickleBuilder) memoize() {
	switch {
	case p.proto4:
		p.op(opMemoize)
	case p.slots < 256:
		p.op(opBinPut, byte(p.slots))
	default:
		p.op(opLongBinPut)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(p.slots))
	}
	p.slots++
}

func (p *pickleBuilder) str(s string) {
	if p.proto4 && len(s) < 256 {
		p.op(opShortBinUnicode, byte(len(s)))
	} else {
		p.op(opBinUnicode)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	}
	p.b = append(p.b, s...)
	if p.proto4 {
		p.memoize()
	}
}

func (p *pickleBuilder) int(n int64) {
	switch {
	case 0 <= n && n < 1<<8:
		p.op(opBinInt1, byte(n))
	case 0 <= n && n < 1<<16:
		p.op(opBinInt2)
		p.b = binary.LittleEndian.AppendUint16(p.b, uint16(n))
	case int64(int32(n)) == n:
		p.op(opBinInt)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(n))
	default:
		p.op(opLong1, 8)
		p.b = binary.LittleEndian.AppendUint64(p.b, uint64(n))
	}
}

func (p *pickleBuilder) ints(ns []int64) {
	p.op(opMark)
	for _, n := range ns {
		p.int(n)
	}
	p.op(opTuple)
}

func (p *pickleBuilder) global(module, name string) {
	if p.proto4 {
		p.str(module)
		p.str(name)
		p.op(opStackGlobal)
		p.memoize()
		return
	}
	p.op(opGlobal)
	p.b = append(p.b, module+"\n"+name+"\n"...)
}

// emptyOrderedDict writes collections.OrderedDict(), as torch.save does for backward hooks.
func (p *pickleBuilder) emptyOrderedDict() {
	p.global("collections", "OrderedDict")
	p.op(opEmptyTuple, opReduce)
}

// testView is one entry of a hand-made state dict: a view of storage key of type storage.
type testView struct {
	name          string
	storage, key  string // e.g. "FloatStorage", "0"
	numel, offset int64
	size, stride  []int64
	param         bool // wrapped in torch._utils._rebuild_parameter
}

// statePickle writes data.pkl for a state dict of views, laid out as torch.save lays it out, with the
// _metadata attribute that a module's state_dict() carries.
func statePickle(proto4 bool, views ...testView) []byte {
	p := &pickleBuilder{proto4: proto4}
	p.stateDict(views)
	return p.b
}

// stateDict writes one pickle of a state dict of views.
func (p *pickleBuilder) stateDict(views []testView) {
	begin := len(p.b)
	if p.proto4 {
		p.op(opProto, 4, opFrame, 0, 0, 0, 0, 0, 0, 0, 0)
	} else {
		p.op(opProto, 2)
	}
	p.emptyOrderedDict()
	p.memoize()
	p.op(opMark)
	for _, v := range views {
		p.stateEntry(v)
	}
	p.op(opSetItems, opEmptyDict)
	p.str("_metadata")
	p.emptyOrderedDict()
	p.str("")
	p.op(opEmptyDict)
	p.str("version")
	p.int(1)
	p.op(opSetItem, opSetItem, opSetItem, opBuild, opStop)
	if p.proto4 {
		binary.LittleEndian.PutUint64(p.b[begin+3:], uint64(len(p.b)-begin-11))
	}
}

// stateEntry writes a view's name and the tensor, a key and value of the state dict.
func (p *pickleBuilder) stateEntry(v testView) {
	p.str(v.name)
	if v.param {
		p.global("torch._utils", "_rebuild_parameter")
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op(opMark, opMark)
	p.str("storage")
	p.global("torch", v.storage)
	p.str(v.key)
	p.str("cpu")
	p.int(v.numel)
	if p.legacy {
		p.op(opNone) // the view metadata
	}
	p.op(opTuple, opBinPersID)
	p.int(v.offset)
	p.ints(v.size)
	p.ints(v.stride)
	p.op(opNewFalse)
	p.emptyOrderedDict()
	p.op(opTuple, opReduce)
	if v.param {
		p.op(opNewTrue)
		p.emptyOrderedDict()
		p.op(opTuple3, opReduce)
	}
}

// zipArchive stores files (uncompressed, as torch does) in a zip archive, in name order.
func zipArchive(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// torchArchive lays out a torch.save archive under the prefix "archive/".
func torchArchive(t testing.TB, pickle []byte, storages map[string][]byte) []byte {
	files := map[string][]byte{"archive/data.pkl": pickle, "archive/version": []byte("3\n"), "archive/byteorder": []byte("little")}
	for key, b := range storages {
		files["archive/data/"+key] = b
	}
	return zipArchive(t, files)
}

// testStorages are the storages the hand-made archives point into.
var testStorages = map[string][]byte{
	"0": f32Bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
	"1": {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b},                                               // F16 1, -2, 0.5, 65504
	"2": {0xc0, 0x3f, 0x40, 0xc0},                                                                       // BF16 1.5, -3
	"3": binary.LittleEndian.AppendUint64(i64Bytes(5, -7), 9),                                           // I64
	"4": binary.LittleEndian.AppendUint64(i64Bytes(int64(math.Float64bits(0.25))), math.Float64bits(8)), // F64
}

func i64Bytes(xs ...int64) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// TestReadPytorchBinViews reads offset, transposed, expanded and 3-d views and every storage type, in
// protocol 2 (torch.save's) and protocol 4. The expected values are worked out by hand from the strides.
func TestReadPytorchBinViews(t *testing.T) {
	f32 := func(name string, offset int64, size, stride []int64) testView {
		return testView{name: name, storage: "FloatStorage", key: "0", numel: 12, offset: offset, size: size, stride: stride}
	}
	views := []testView{
		f32("contiguous", 0, []int64{3, 4}, []int64{4, 1}),
		f32("tied", 0, []int64{3, 4}, []int64{4, 1}),
		f32("offset", 5, []int64{2, 3}, []int64{3, 1}),
		f32("transposed", 1, []int64{3, 2}, []int64{1, 3}),
		f32("expanded", 2, []int64{2, 3}, []int64{0, 1}),
		f32("strided3d", 0, []int64{2, 2, 2}, []int64{6, 1, 3}),
		f32("scalar", 11, []int64{}, []int64{}),
		f32("empty", 0, []int64{0, 5}, []int64{5, 1}),
		f32("unit dims", 3, []int64{1, 2, 1}, []int64{99, 1, 99}), // strides of size-1 dims do not matter
		{name: "half", storage: "HalfStorage", key: "1", numel: 4, offset: 1, size: []int64{3}, stride: []int64{1}},
		{name: "bf16", storage: "BFloat16Storage", key: "2", numel: 2, size: []int64{2}, stride: []int64{1}, param: true},
		{name: "long", storage: "LongStorage", key: "3", numel: 3, size: []int64{2}, stride: []int64{2}},
		{name: "double", storage: "DoubleStorage", key: "4", numel: 2, size: []int64{2, 1}, stride: []int64{1, 1}},
	}
	want := map[string]*tensor.Tensor{
		"contiguous": tensor.FromData([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4),
		"tied":       tensor.FromData([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4),
		"offset":     tensor.FromData([]float32{5, 6, 7, 8, 9, 10}, 2, 3),
		"transposed": tensor.FromData([]float32{1, 4, 2, 5, 3, 6}, 3, 2),
		"expanded":   tensor.FromData([]float32{2, 3, 4, 2, 3, 4}, 2, 3),
		"strided3d":  tensor.FromData([]float32{0, 3, 1, 4, 6, 9, 7, 10}, 2, 2, 2),
		"scalar":     tensor.FromData([]float32{11}),
		"empty":      tensor.FromData([]float32{}, 0, 5),
		"unit dims":  tensor.FromData([]float32{3, 4}, 1, 2, 1),
		"half":       tensor.FromData([]float32{-2, 0.5, 65504}, 3),
		"bf16":       tensor.FromData([]float32{1.5, -3}, 2),
		"long":       tensor.FromData([]float32{5, 9}, 2),
		"double":     tensor.FromData([]float32{0.25, 8}, 2, 1),
	}
	wantDTypes := map[string]string{"half": "F16", "bf16": "BF16", "long": "I64", "double": "F64"}
	for _, proto4 := range []bool{false, true} {
		got, dtypes, err := readPytorchBin(torchArchive(t, statePickle(proto4, views...), testStorages))
		if err != nil {
			t.Fatalf("protocol 4 %v: %v", proto4, err)
		}
		assertSameTensors(t, "views", got, want)
		for name := range want {
			wd := wantDTypes[name]
			if wd == "" {
				wd = "F32"
			}
			if dtypes[name] != wd {
				t.Errorf("%s: dtype %q, want %q", name, dtypes[name], wd)
			}
		}
		got["tied"].Data[0] = 42 // tied weights are separate copies
		if got["contiguous"].Data[0] != 0 {
			t.Errorf("tied weights share memory")
		}
	}
}

func TestLittleEndianSigned(t *testing.T) {
	tests := []struct {
		in   []byte
		want int64
	}{
		{nil, 0},
		{[]byte{0x7f}, 127},
		{[]byte{0xff}, -1},
		{[]byte{0x80}, -128},
		{[]byte{0x00, 0x01}, 256},
		{[]byte{0x00, 0x80}, -32768},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, math.MaxInt64},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, math.MinInt64},
	}
	for _, tt := range tests {
		if got, err := littleEndianSigned(tt.in); err != nil || got != tt.want {
			t.Errorf("littleEndianSigned(% x) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := littleEndianSigned(make([]byte, 9)); err == nil {
		t.Errorf("a 9-byte integer is accepted")
	}
}

func TestReadPytorchBinErrors(t *testing.T) {
	w := func(mod func(*testView)) []byte {
		v := testView{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{3, 4}, stride: []int64{4, 1}}
		mod(&v)
		return statePickle(false, v)
	}
	archive := func(pickle []byte) []byte { return torchArchive(t, pickle, testStorages) }
	corrupt := archive(w(func(*testView) {}))
	corrupt[bytes.Index(corrupt, testStorages["0"])+5] ^= 1
	p2 := func(ops ...byte) []byte { return append([]byte{opProto, 2}, ops...) }
	var twice bytes.Buffer
	zw := zip.NewWriter(&twice)
	for range 2 {
		if _, err := zw.Create("archive/data.pkl"); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"not a zip", []byte("hello"), []string{"not a zip"}},
		{"neither zip nor legacy", p2('}', '.'), []string{"not a zip archive", "legacy", "torch 1.6", "holds dict, not the magic number"}},
		{"no data.pkl", zipArchive(t, map[string][]byte{"archive/version": []byte("3\n")}), []string{"no <prefix>/data.pkl"}},
		{"duplicate entry", twice.Bytes(), []string{`two entries named "archive/data.pkl"`}},
		{"two pickles", zipArchive(t, map[string][]byte{"a/data.pkl": nil, "b/data.pkl": nil}), []string{"two pickles", "a/data.pkl", "b/data.pkl"}},
		{"big endian", zipArchive(t, map[string][]byte{"archive/data.pkl": w(func(*testView) {}), "archive/byteorder": []byte("big")}),
			[]string{"archive/byteorder", `"big"`}},
		{"no stop", archive(p2('}')), []string{"archive/data.pkl", "without STOP"}},
		{"empty stop", archive(p2('.')), []string{"byte 2", "STOP with an empty stack"}},
		{"protocol", archive([]byte{opProto, 6, '}', '.'}), []string{"byte 0", "protocol 6"}},
		{"unknown opcode", archive(p2('i')), []string{"archive/data.pkl", "byte 2", "opcode 0x69"}},
		{"forbidden global", archive(append(p2('c'), "os\nsystem\n(X\x02\x00\x00\x00lstR."...)), []string{"byte 2", "os.system", "not allowed"}},
		{"forbidden stack global", archive(append(p2(opShortBinUnicode, 8), "builtins\x8c\x04eval\x93."...)), []string{"byte 18", "builtins.eval", "not allowed"}},
		{"forbidden storage", archive(append(p2('c'), "torch\nComplexFloatStorage\n."...)), []string{"torch.ComplexFloatStorage", "not allowed"}},
		{"call a storage type", archive(append(p2('c'), "torch\nFloatStorage\n)R."...)), []string{"torch.FloatStorage", "cannot be called"}},
		{"OrderedDict arguments", archive(append(p2('c'), "collections\nOrderedDict\n]\x85R."...)), []string{"OrderedDict", "1 arguments"}},
		{"rebuild arguments", archive(append(p2('c'), "torch._utils\n_rebuild_tensor_v2\n)R."...)), []string{"_rebuild_tensor_v2", "0 arguments"}},
		{"reduce a string", archive(p2('X', 1, 0, 0, 0, 'f', ')', 'R', '.')), []string{"REDUCE", `str "f"`}},
		{"truncated argument", archive(p2('X', 100, 0, 0, 0, 'a', 'b', 'c')), []string{"byte 2", "needs 100 bytes", "only 3 remain"}},
		{"unterminated global", archive(append(p2('c'), "torch"...)), []string{"no newline"}},
		{"underflow", archive(p2('R', '.')), []string{"REDUCE needs 2 values", "has 0"}},
		{"no mark", archive(p2('t', '.')), []string{"needs a MARK"}},
		{"memo miss", archive(p2('h', 7, '.')), []string{"memo slot 7"}},
		{"append to a dict", archive(p2('}', 'N', 'a', '.')), []string{"APPEND to a dict"}},
		{"setitem on a list", archive(p2(']', 'N', 'N', 's', '.')), []string{"SETITEM on a list"}},
		{"odd setitems", archive(p2('}', '(', 'N', 'u', '.')), []string{"odd number"}},
		{"tuple key", archive(p2('}', ')', 'N', 's', '.')), []string{"dict key of type"}},
		{"build a list", archive(p2(']', '}', 'b', '.')), []string{"BUILD", "list"}},
		{"not a dict", archive(p2(']', '.')), []string{"holds a list", "not a state dict"}},
		{"not a tensor", archive(p2('}', 'X', 1, 0, 0, 0, 'w', 'K', 5, 's', '.')), []string{`entry "w"`, "int 5", "not a tensor"}},
		{"not a string key", archive(p2('}', 'K', 1, 'K', 5, 's', '.')), []string{"key int 1", "not a string"}},
		{"bad persistent id", archive(p2('X', 3, 0, 0, 0, 'f', 'o', 'o', 0x85, 'Q', '.')), []string{"persistent id", "tuple of 1"}},
		{"storage missing", archive(w(func(v *testView) { v.key = "7" })), []string{`tensor "w"`, `storage "7"`, "missing", "archive/data/7"}},
		{"storage size", archive(w(func(v *testView) {
			v.storage, v.key, v.numel, v.size, v.stride = "HalfStorage", "1", 3, []int64{3}, []int64{1}
		})), []string{`tensor "w"`, "archive/data/1 holds 8 bytes", "3 elements of F16"}},
		{"view past the end", archive(w(func(v *testView) { v.size = []int64{4, 4} })), []string{`tensor "w"`, "size [4 4]", "past the end", `storage "0" of 12 elements`}},
		{"transpose past the end", archive(w(func(v *testView) { v.offset, v.size, v.stride = 2, []int64{4, 3}, []int64{1, 4} })), []string{`tensor "w"`, "past the end"}},
		{"offset outside", archive(w(func(v *testView) { v.offset, v.size, v.stride = 12, []int64{1}, []int64{1} })), []string{`tensor "w"`, "offset 12"}},
		{"negative offset", archive(w(func(v *testView) { v.offset = -1 })), []string{`tensor "w"`, "offset -1"}},
		{"negative stride", archive(w(func(v *testView) { v.offset, v.stride = 11, []int64{-4, 1} })), []string{`tensor "w"`, "negative stride"}},
		{"negative size", archive(w(func(v *testView) { v.size = []int64{-3, 4} })), []string{`tensor "w"`, "negative dimension"}},
		{"rank mismatch", archive(w(func(v *testView) { v.stride = []int64{1} })), []string{`tensor "w"`, "different lengths"}},
		{"huge storage", archive(w(func(v *testView) { v.numel = 1 << 40 })), []string{`tensor "w"`, "1099511627776 elements", "MaxWeightBytes"}},
		{"checksum", corrupt, []string{`tensor "w"`, "archive/data/0", "checksum"}},
		{"storage disagreement", archive(statePickle(false,
			testView{name: "a", storage: "FloatStorage", key: "0", numel: 12, size: []int64{2}, stride: []int64{1}},
			testView{name: "b", storage: "HalfStorage", key: "0", numel: 24, size: []int64{2}, stride: []int64{1}})),
			[]string{`tensors "a" and "b"`, `storage "0"`}},
	}
	for _, tt := range tests {
		_, err := ReadPytorchBin(tt.data)
		assertErrorMentions(t, tt.name, err, append(tt.want, "torch archive: ")...)
	}
}

// TestReadPytorchBinMaxWeightBytes checks the limit on the decoded weights, counting tied copies.
func TestReadPytorchBinMaxWeightBytes(t *testing.T) {
	defer func(old int64) { MaxWeightBytes = old }(MaxWeightBytes)
	v := testView{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{12}, stride: []int64{1}}
	tied := v
	tied.name = "tied"
	data := torchArchive(t, statePickle(false, v, tied), testStorages)
	MaxWeightBytes = 95
	_, err := ReadPytorchBin(data)
	assertErrorMentions(t, "limit", err, "96 bytes", "95-byte limit", "MaxWeightBytes")
	MaxWeightBytes = 96
	if _, err := ReadPytorchBin(data); err != nil {
		t.Errorf("96 bytes fit in 96: %v", err)
	}
}

// torchStorages names the storage class of each dtype torchBin writes.
var torchStorages = map[string]string{"F32": "FloatStorage", "F16": "HalfStorage", "BF16": "BFloat16Storage"}

// torchBin writes weights as torch.save writes a state dict, in the zip format or the legacy one: each
// tensor contiguous in a storage of its own, of dtype (F32, F16 or BF16).
func torchBin(t testing.TB, weights map[string]*tensor.Tensor, dtype string, legacy bool) []byte {
	t.Helper()
	var views []testView
	storages := map[string][]byte{}
	for i, name := range slices.Sorted(maps.Keys(weights)) {
		w := weights[name]
		key := fmt.Sprint(i)
		if legacy {
			key = fmt.Sprint(94371934502912 + 4096*i) // the legacy format keys storages by their address
		}
		v := testView{name: name, storage: torchStorages[dtype], key: key, numel: int64(len(w.Data)),
			size: make([]int64, len(w.Shape)), stride: make([]int64, len(w.Shape))}
		step := int64(1)
		for d := len(w.Shape) - 1; d >= 0; d-- {
			v.size[d], v.stride[d] = int64(w.Shape[d]), step
			step *= int64(w.Shape[d])
		}
		views = append(views, v)
		storages[key] = encodeFloats(nil, dtype, w.Data)
	}
	if !legacy {
		return torchArchive(t, statePickle(false, views...), storages)
	}
	p := &pickleBuilder{legacy: true, b: legacyHeader(false)}
	p.stateDict(views)
	keys := slices.Sorted(maps.Keys(storages)) // torch.save writes them sorted
	b := append(p.b, legacyKeys(keys...)...)
	for _, key := range keys {
		b = append(b, legacyStorage(int64(len(storages[key]))/int64(dtypeSize[dtype]), storages[key])...)
	}
	return b
}

// deflated compresses n zero bytes as a zip entry's deflate stream.
func deflated(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zeros))
		if _, err := fw.Write(zeros[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawArchive lays out a torch.save archive under the prefix "archive/" whose storages are written as
// given: data is the entry's bytes as stored (deflated, when method is zip.Deflate), and size and crc
// what its header says it inflates to.
func rawArchive(t testing.TB, pickle []byte, storages map[string]rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	if err == nil {
		_, err = w.Write(pickle)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range slices.Sorted(maps.Keys(storages)) {
		e := storages[key]
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "archive/data/" + key, Method: e.method, CRC32: e.crc,
			CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.size})
		if err == nil {
			_, err = w.Write(e.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type rawEntry struct {
	method uint16
	data   []byte
	size   uint64
	crc    uint32
}

// allocated is how many bytes f allocates.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// TestReadPytorchBinBombs checks that archives whose entries inflate far beyond what they hold are
// refused before anything is allocated for what they claim: a deflate bomb (64 MiB of zeros in 65 KB;
// the bound grows with the archive, so that a 1.2 MB bomb may take 35 MB, not the gigabytes it claims),
// entries that compress well and together inflate far beyond the archive, and a stored entry that claims
// to be larger than it is.
func TestReadPytorchBinBombs(t *testing.T) {
	view := func(key string, numel int64) testView {
		return testView{name: "w" + key, storage: "FloatStorage", key: key, numel: numel, size: []int64{numel}, stride: []int64{1}}
	}
	const bomb = 64 << 20
	zeros := func(n int) rawEntry {
		return rawEntry{method: zip.Deflate, data: deflated(t, n), size: uint64(n), crc: crc32.ChecksumIEEE(make([]byte, n))}
	}
	many := map[string]rawEntry{}
	var manyViews []testView
	for i := range 40 {
		key := fmt.Sprint(i)
		many[key] = zeros(1 << 20)
		manyViews = append(manyViews, view(key, 1<<18))
	}
	for key := range 2 { // overlapping entries would do the same with one entry's bytes
		many[fmt.Sprint(key)] = zeros(8 << 20)
		manyViews[key] = view(fmt.Sprint(key), 2<<20)
	}
	tests := []struct {
		name string
		data []byte
		want []string
		most int64 // bytes it may allocate: nothing for what it claims, or the bound's worth read and decoded
	}{
		{"deflate bomb", rawArchive(t, statePickle(false, view("0", bomb/4)), map[string]rawEntry{"0": zeros(bomb)}),
			[]string{"archive/data/0 inflates from 65", "to 67108864 bytes", "more than 16 times the archive's", "a zip bomb"}, 4 << 20},
		{"many entries", rawArchive(t, statePickle(false, manyViews...), many),
			[]string{"inflates from", "to 1048576 bytes, which with the entries before it is more than 16 times the archive's", "a zip bomb"}, 40 << 20},
		{"stored entry", rawArchive(t, statePickle(false, view("0", 1<<28)), map[string]rawEntry{"0": {method: zip.Store, data: make([]byte, 48), size: 1 << 30}}),
			[]string{"archive/data/0 is stored uncompressed as 48 bytes but says it holds 1073741824"}, 4 << 20},
	}
	for _, tt := range tests {
		var err error
		got := allocated(func() { _, err = ReadPytorchBin(tt.data) })
		assertErrorMentions(t, tt.name, err, tt.want...)
		if got > tt.most {
			t.Errorf("%s: %d bytes allocated for a %d-byte archive", tt.name, got, len(tt.data))
		}
	}

	// What compresses well but stays within the bounds still reads.
	small := rawArchive(t, statePickle(false, view("0", 1<<20)), map[string]rawEntry{"0": zeros(4 << 20)})
	tensors, err := ReadPytorchBin(small)
	if err != nil || len(tensors["w0"].Data) != 1<<20 {
		t.Errorf("4 MiB of zeros deflated: %v", err)
	}
}
