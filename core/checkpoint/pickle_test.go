package checkpoint

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// TestUnpicklerBounds feeds the unpickler pickles of 149 KB built to make it hold as much as it can:
// each must be refused within its first few bytes (the byte the error names), or, for the views, before
// any storage is decoded.
func TestUnpicklerBounds(t *testing.T) {
	const size = 149 << 10
	flood := func(head []byte, unit ...byte) []byte {
		b := append([]byte{opProto, 4}, head...)
		for len(b) < size {
			b = append(b, unit...)
		}
		return append(b, opStop)
	}
	// One tensor, memoized, named thousands of times: every name is a tensor of the whole storage.
	reused := &pickleBuilder{}
	reused.op(opProto, 2)
	reused.emptyOrderedDict()
	reused.memoize()
	reused.op(opMark)
	reused.stateEntry(testView{name: "w", storage: "FloatStorage", key: "0", numel: 12, size: []int64{12}, stride: []int64{1}})
	reused.memoize()
	tensorSlot := reused.slots - 1
	for i := 0; len(reused.b) < size; i++ {
		if i%500 == 499 { // the pickler's batches of SETITEMS keep the stack short
			reused.op(opSetItems, opMark)
		}
		reused.str(fmt.Sprint(i))
		reused.op(opLongBinGet)
		reused.b = binary.LittleEndian.AppendUint32(reused.b, uint32(tensorSlot))
	}
	reused.op(opSetItems, opStop)

	tests := []struct {
		name   string
		pickle []byte
		want   []string
	}{
		{"memoize flood", flood([]byte{opEmptyList}, opMemoize), []string{"byte 4", "memo slot 1", "did not make"}},
		{"put after get", flood([]byte{opEmptyList, opMemoize}, opBinGet, 0, opMemoize), []string{"byte 6", "memo slot 1", "did not make"}},
		{"put out of order", flood([]byte{opNone, opLongBinPut, 0xff, 0xff, 0xff, 0xff}, opNone), []string{"byte 3", "memo slot 4294967295", "out of order"}},
		{"mark flood", flood(nil, opMark), []string{fmt.Sprintf("byte %d", 2+maxMarkDepth), "marks nest"}},
		{"stack flood", flood(nil, opNone), []string{fmt.Sprintf("byte %d", 2+maxStack), "stack holds over"}},
		{"list flood", flood([]byte{opEmptyList}, opEmptyList, opMemoize, opAppend), []string{"holds a list, not a state dict"}},
		{"reused tensor", reused.b, []string{"take", "from storages that hold 12", "over 4 times"}},
		{"expanded tensor", statePickle(false, testView{name: "w", storage: "FloatStorage", key: "0", numel: 12,
			size: []int64{1 << 28}, stride: []int64{0}}), []string{"take 268435456 elements", "hold 12"}},
	}
	for _, tt := range tests {
		_, err := ReadPytorchBin(torchArchive(t, tt.pickle, testStorages))
		assertErrorMentions(t, tt.name, err, tt.want...)
	}
	// An expanded buffer (position_ids) and tied weights are what the bound must let through.
	ok := statePickle(false,
		testView{name: "position_ids", storage: "LongStorage", key: "3", numel: 3, size: []int64{1, 3}, stride: []int64{0, 1}},
		testView{name: "a", storage: "FloatStorage", key: "0", numel: 12, size: []int64{12}, stride: []int64{1}},
		testView{name: "tied", storage: "FloatStorage", key: "0", numel: 12, size: []int64{12}, stride: []int64{1}})
	if _, err := ReadPytorchBin(torchArchive(t, ok, testStorages)); err != nil {
		t.Errorf("tied weights and an expanded buffer: %v", err)
	}
}
