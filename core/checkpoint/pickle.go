package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
)

// This file holds a restricted unpickler: just enough of Python's pickle machine to read the pickles
// that torch.save writes for a state dict (data.pkl in the zip format, the header and state dict of the
// legacy format), and nothing that could run code. A real unpickler imports and calls any global the
// stream names; this one knows a handful of globals and what calling them means (an ordered dict, a
// tensor view of a storage), and refuses every other one by name.
//
// It also refuses what no pickler writes, so that what a hostile pickle can make it hold stays small:
// every value takes at least one opcode byte to make; the pickler memoizes each value once, right
// after the opcode that made it, in slots numbered in order; and it batches items a thousand at a time
// (APPENDS, SETITEMS), so a state dict's stack stays a few thousand values deep and its marks nest only
// as deep as its containers. A pickle of n bytes thus holds fewer than n values, reached through a
// stack and a mark list of bounded size.

// pyGlobal is a module attribute named by a GLOBAL opcode, e.g. torch._utils._rebuild_tensor_v2.
type pyGlobal struct{ module, name string }

func (g pyGlobal) String() string { return g.module + "." + g.name }

// pyLong is a Python int too wide for int64, kept as pickle's little-endian two's-complement bytes;
// torch's legacy format starts with one, its magic number.
type pyLong string

// pyTuple is an immutable Python tuple.
type pyTuple []any

// pyList is a Python list; a pointer because APPENDS changes it in place.
type pyList struct{ items []any }

// pyDict is a Python dict or collections.OrderedDict, keeping insertion order.
type pyDict struct {
	keys   []any
	values []any
	index  map[any]int // key -> position in keys and values
}

// set inserts or replaces key. Only the hashable scalars a state dict uses may be keys.
func (d *pyDict) set(key, value any) error {
	switch key.(type) {
	case string, int64, bool, nil:
	default:
		return fmt.Errorf("dict key of type %s is not supported", describe(key))
	}
	if i, ok := d.index[key]; ok {
		d.values[i] = value
		return nil
	}
	if d.index == nil {
		d.index = map[any]int{}
	}
	d.index[key] = len(d.keys)
	d.keys = append(d.keys, key)
	d.values = append(d.values, value)
	return nil
}

// storageRef is a torch storage named by a persistent id: numel elements of dtype in the archive's
// data/<key> file.
type storageRef struct {
	dtype string // safetensors spelling, e.g. "F32"
	key   string
	numel int64
}

// tensorRef is a strided view of a storage, as torch._utils._rebuild_tensor_v2 builds it.
type tensorRef struct {
	storage storageRef
	offset  int64
	size    []int64
	stride  []int64
}

// storageDTypes maps torch's typed storage classes onto the element types decodeFloats reads.
var storageDTypes = map[string]string{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ByteStorage": "U8", "BoolStorage": "BOOL",
}

// allowedGlobal reports whether the unpickler may name g: the constructors of a state dict and its
// tensors, and the storage types.
func allowedGlobal(g pyGlobal) bool {
	switch g {
	case pyGlobal{"collections", "OrderedDict"},
		pyGlobal{"torch._utils", "_rebuild_tensor_v2"},
		pyGlobal{"torch._utils", "_rebuild_parameter"}:
		return true
	}
	_, ok := storageDTypes[g.name]
	return g.module == "torch" && ok
}

// Pickle opcodes the unpickler executes (protocol 2, which torch.save uses, plus protocol 4's framing
// and short forms for files saved with a newer protocol).
const (
	opMark            = '('
	opStop            = '.'
	opBinInt          = 'J'
	opBinInt1         = 'K'
	opBinInt2         = 'M'
	opNone            = 'N'
	opBinPersID       = 'Q'
	opReduce          = 'R'
	opBinUnicode      = 'X'
	opAppend          = 'a'
	opBuild           = 'b'
	opGlobal          = 'c'
	opAppends         = 'e'
	opBinGet          = 'h'
	opLongBinGet      = 'j'
	opEmptyList       = ']'
	opBinPut          = 'q'
	opLongBinPut      = 'r'
	opSetItem         = 's'
	opTuple           = 't'
	opSetItems        = 'u'
	opEmptyDict       = '}'
	opEmptyTuple      = ')'
	opBinFloat        = 'G'
	opProto           = 0x80
	opTuple1          = 0x85
	opTuple2          = 0x86
	opTuple3          = 0x87
	opNewTrue         = 0x88
	opNewFalse        = 0x89
	opLong1           = 0x8a
	opShortBinUnicode = 0x8c
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
)

// Bounds on the machine, far above what a state dict needs (see the top of the file).
const (
	maxStack     = 1 << 16 // values on the stack
	maxMarkDepth = 64      // marks not yet popped
)

// unpickler is the machine's state: the input, the stack, the marks pushed by MARK and the memo.
type unpickler struct {
	data  []byte
	pos   int // next byte to read
	op    int // offset of the opcode being executed, for errors
	stack []any
	marks []int
	memo  []any // by slot
	// made says the last opcode pushed a value it made (not one fetched from the memo); fresh is
	// made as it was before the opcode being executed, which a memo put requires.
	made, fresh bool
}

// unpickle runs the pickle program data holds and returns the object it builds.
func unpickle(data []byte) (any, error) {
	return (&unpickler{data: data}).load()
}

// load runs the pickle program that starts at u.pos and returns the object it builds, leaving u.pos
// after its STOP. Like each of Python's pickle.load calls on one file, each program has its own stack,
// marks and memo.
func (u *unpickler) load() (any, error) {
	u.stack, u.marks, u.memo, u.made = u.stack[:0], u.marks[:0], nil, false
	start := u.pos
	if start == len(u.data) {
		return nil, fmt.Errorf("no pickle: the data ends at byte %d", start)
	}
	for u.pos < len(u.data) {
		u.op = u.pos
		code := u.data[u.pos]
		u.pos++
		u.fresh, u.made = u.made, false
		done, err := u.step(code)
		if err == nil && len(u.stack) > maxStack {
			err = fmt.Errorf("the stack holds over %d values; a state dict needs a few thousand", maxStack)
		}
		if err != nil {
			return nil, fmt.Errorf("byte %d: %w", u.op, err)
		}
		if done {
			if len(u.stack) == 0 {
				return nil, fmt.Errorf("byte %d: STOP with an empty stack", u.op)
			}
			return u.stack[len(u.stack)-1], nil
		}
	}
	return nil, fmt.Errorf("pickle ends after %d bytes without STOP", u.pos-start)
}

// step executes one opcode and reports whether it was STOP.
func (u *unpickler) step(code byte) (bool, error) {
	switch code {
	case opProto:
		v, err := u.read(1)
		if err != nil {
			return false, err
		}
		if v[0] > 5 {
			return false, fmt.Errorf("pickle protocol %d is not supported", v[0])
		}
		u.made = u.fresh
	case opFrame:
		if _, err := u.read(8); err != nil { // frames only group opcodes; the length is not needed
			return false, err
		}
		u.made = u.fresh // a frame may open between a value and its memo put
	case opStop:
		return true, nil
	case opMark:
		if len(u.marks) == maxMarkDepth {
			return false, fmt.Errorf("marks nest over %d deep; a state dict's containers nest a few deep", maxMarkDepth)
		}
		u.marks = append(u.marks, len(u.stack))
	case opNone:
		u.push(nil)
	case opNewTrue:
		u.push(true)
	case opNewFalse:
		u.push(false)
	case opBinInt:
		v, err := u.read(4)
		if err != nil {
			return false, err
		}
		u.push(int64(int32(binary.LittleEndian.Uint32(v))))
	case opBinInt1:
		v, err := u.read(1)
		if err != nil {
			return false, err
		}
		u.push(int64(v[0]))
	case opBinInt2:
		v, err := u.read(2)
		if err != nil {
			return false, err
		}
		u.push(int64(binary.LittleEndian.Uint16(v)))
	case opLong1:
		n, err := u.read(1)
		if err != nil {
			return false, err
		}
		v, err := u.read(int(n[0]))
		if err != nil {
			return false, err
		}
		if len(v) > 8 {
			u.push(pyLong(v))
			break
		}
		i, err := littleEndianSigned(v)
		if err != nil {
			return false, err
		}
		u.push(i)
	case opBinFloat:
		v, err := u.read(8)
		if err != nil {
			return false, err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case opBinUnicode:
		n, err := u.read(4)
		if err != nil {
			return false, err
		}
		s, err := u.read(int(binary.LittleEndian.Uint32(n)))
		if err != nil {
			return false, err
		}
		u.push(string(s))
	case opShortBinUnicode:
		n, err := u.read(1)
		if err != nil {
			return false, err
		}
		s, err := u.read(int(n[0]))
		if err != nil {
			return false, err
		}
		u.push(string(s))
	case opEmptyTuple:
		u.push(pyTuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(code-opTuple1) + 1
		if len(u.stack) < n {
			return false, u.underflow("TUPLE", n)
		}
		t := append(pyTuple{}, u.stack[len(u.stack)-n:]...)
		u.stack = u.stack[:len(u.stack)-n]
		u.push(t)
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(pyTuple(items))
	case opEmptyList:
		u.push(&pyList{})
	case opAppend, opAppends:
		var items []any
		if code == opAppend {
			v, err := u.pop()
			if err != nil {
				return false, err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return false, err
			}
		}
		top, err := u.top()
		if err != nil {
			return false, err
		}
		l, ok := top.(*pyList)
		if !ok {
			return false, fmt.Errorf("APPEND to a %s, not a list", describe(top))
		}
		l.items = append(l.items, items...)
	case opEmptyDict:
		u.push(&pyDict{})
	case opSetItem, opSetItems:
		var items []any
		if code == opSetItem {
			if len(u.stack) < 2 {
				return false, u.underflow("SETITEM", 2)
			}
			items = append([]any{}, u.stack[len(u.stack)-2:]...)
			u.stack = u.stack[:len(u.stack)-2]
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return false, err
			}
			if len(items)%2 != 0 {
				return false, fmt.Errorf("SETITEMS with an odd number (%d) of keys and values", len(items))
			}
		}
		top, err := u.top()
		if err != nil {
			return false, err
		}
		d, ok := top.(*pyDict)
		if !ok {
			return false, fmt.Errorf("SETITEM on a %s, not a dict", describe(top))
		}
		for i := 0; i < len(items); i += 2 {
			if err := d.set(items[i], items[i+1]); err != nil {
				return false, err
			}
		}
	case opBinPut, opLongBinPut, opMemoize:
		top, err := u.top()
		if err != nil {
			return false, err
		}
		key := uint32(len(u.memo))
		switch code {
		case opBinPut:
			v, err := u.read(1)
			if err != nil {
				return false, err
			}
			key = uint32(v[0])
		case opLongBinPut:
			v, err := u.read(4)
			if err != nil {
				return false, err
			}
			key = binary.LittleEndian.Uint32(v)
		}
		if key != uint32(len(u.memo)) {
			return false, fmt.Errorf("memo slot %d is stored out of order (the next slot is %d)", key, len(u.memo))
		}
		if !u.fresh {
			return false, fmt.Errorf("memo slot %d stores a value the opcode before did not make "+
				"(a pickler memoizes each value once, right after making it)", key)
		}
		u.memo = append(u.memo, top)
	case opBinGet, opLongBinGet:
		var key uint32
		if code == opBinGet {
			v, err := u.read(1)
			if err != nil {
				return false, err
			}
			key = uint32(v[0])
		} else {
			v, err := u.read(4)
			if err != nil {
				return false, err
			}
			key = binary.LittleEndian.Uint32(v)
		}
		if key >= uint32(len(u.memo)) {
			return false, fmt.Errorf("memo slot %d was never stored", key)
		}
		u.push(u.memo[key])
		u.made = false // fetched, not made
	case opGlobal:
		module, err := u.readLine()
		if err != nil {
			return false, err
		}
		name, err := u.readLine()
		if err != nil {
			return false, err
		}
		return false, u.pushGlobal(pyGlobal{module, name})
	case opStackGlobal:
		if len(u.stack) < 2 {
			return false, u.underflow("STACK_GLOBAL", 2)
		}
		module, ok1 := u.stack[len(u.stack)-2].(string)
		name, ok2 := u.stack[len(u.stack)-1].(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("STACK_GLOBAL needs two strings")
		}
		u.stack = u.stack[:len(u.stack)-2]
		return false, u.pushGlobal(pyGlobal{module, name})
	case opBinPersID:
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		s, err := persistentStorage(pid)
		if err != nil {
			return false, err
		}
		u.push(s)
	case opReduce:
		if len(u.stack) < 2 {
			return false, u.underflow("REDUCE", 2)
		}
		fn, args := u.stack[len(u.stack)-2], u.stack[len(u.stack)-1]
		u.stack = u.stack[:len(u.stack)-2]
		g, ok := fn.(pyGlobal)
		if !ok {
			return false, fmt.Errorf("REDUCE calls a %s, not a global", describe(fn))
		}
		t, ok := args.(pyTuple)
		if !ok {
			return false, fmt.Errorf("REDUCE calls %s with a %s, not a tuple", g, describe(args))
		}
		v, err := call(g, t)
		if err != nil {
			return false, err
		}
		u.push(v)
	case opBuild:
		if _, err := u.pop(); err != nil {
			return false, err
		}
		top, err := u.top()
		if err != nil {
			return false, err
		}
		// torch.save gives a state dict a _metadata attribute (per-module versions); it is not needed.
		if _, ok := top.(*pyDict); !ok {
			return false, fmt.Errorf("BUILD sets the state of a %s; only a dict's is accepted", describe(top))
		}
	default:
		return false, fmt.Errorf("opcode 0x%02x is not supported (torch state dicts do not use it)", code)
	}
	return false, nil
}

func (u *unpickler) push(v any) {
	u.stack = append(u.stack, v)
	u.made = true
}

func (u *unpickler) pushGlobal(g pyGlobal) error {
	if !allowedGlobal(g) {
		return fmt.Errorf("global %s is not allowed (a state dict of tensors needs only collections.OrderedDict, "+
			"torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch storage types)", g)
	}
	u.push(g)
	return nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("opcode 0x%02x needs a value on the stack, it is empty", u.data[u.op])
	}
	return u.stack[len(u.stack)-1], nil
}

func (u *unpickler) pop() (any, error) {
	v, err := u.top()
	if err == nil {
		u.stack = u.stack[:len(u.stack)-1]
	}
	return v, err
}

// popMark pops everything above the last mark, and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("opcode 0x%02x needs a MARK, there is none", u.data[u.op])
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	if m > len(u.stack) {
		return nil, fmt.Errorf("opcode 0x%02x: the stack shrank below its MARK", u.data[u.op])
	}
	items := append([]any{}, u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) underflow(op string, n int) error {
	return fmt.Errorf("%s needs %d values on the stack, it has %d", op, n, len(u.stack))
}

// read returns the next n bytes of the opcode's argument.
func (u *unpickler) read(n int) ([]byte, error) {
	if n > len(u.data)-u.pos {
		return nil, fmt.Errorf("opcode 0x%02x needs %d bytes, only %d remain", u.data[u.op], n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

// readLine returns the text up to the next newline (GLOBAL's module and name).
func (u *unpickler) readLine() (string, error) {
	for i := u.pos; i < len(u.data); i++ {
		if u.data[i] == '\n' {
			s := string(u.data[u.pos:i])
			u.pos = i + 1
			return s, nil
		}
	}
	return "", fmt.Errorf("GLOBAL's argument has no newline")
}

// littleEndianSigned decodes LONG1's two's-complement little-endian integer, up to 8 bytes.
func littleEndianSigned(b []byte) (int64, error) {
	if len(b) > 8 {
		return 0, fmt.Errorf("integer of %d bytes is too large", len(b))
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if len(b) > 0 && len(b) < 8 && b[len(b)-1]&0x80 != 0 {
		v -= 1 << (8 * uint(len(b)))
	}
	return int64(v), nil
}

// persistentStorage interprets torch's persistent id for a storage:
// ('storage', torch.<Type>Storage, key, location, numel), and in the legacy format a sixth element, the
// view metadata, which torch.save has written as None since torch 1.0 (storages that are views of
// other storages are refused).
func persistentStorage(pid any) (storageRef, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) != 5 && len(t) != 6 || t[0] != "storage" {
		return storageRef{}, fmt.Errorf("persistent id %s is not ('storage', type, key, location, numel[, view])", describe(pid))
	}
	if len(t) == 6 && t[5] != nil {
		return storageRef{}, fmt.Errorf("storage %s is a view of another storage (%s), which bertology does not read",
			describe(t[2]), describe(t[5]))
	}
	g, ok := t[1].(pyGlobal)
	if !ok {
		return storageRef{}, fmt.Errorf("storage type is a %s, not a torch storage class", describe(t[1]))
	}
	key, ok1 := t[2].(string)
	numel, ok2 := t[4].(int64)
	if !ok1 || !ok2 || numel < 0 {
		return storageRef{}, fmt.Errorf("storage key %s or size %s is malformed", describe(t[2]), describe(t[4]))
	}
	dtype, ok := storageDTypes[g.name]
	if !ok || g.module != "torch" {
		return storageRef{}, fmt.Errorf("%s is not a storage type bertology reads", g)
	}
	return storageRef{dtype: dtype, key: key, numel: numel}, nil
}

// call applies one of the allowed globals to its arguments, as REDUCE does.
func call(g pyGlobal, args pyTuple) (any, error) {
	switch g {
	case pyGlobal{"collections", "OrderedDict"}:
		if len(args) != 0 {
			return nil, fmt.Errorf("collections.OrderedDict called with %d arguments; torch.save passes none", len(args))
		}
		return &pyDict{}, nil
	case pyGlobal{"torch._utils", "_rebuild_tensor_v2"}:
		// (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
		if len(args) != 6 && len(args) != 7 {
			return nil, fmt.Errorf("%s called with %d arguments, want 6 or 7", g, len(args))
		}
		s, ok := args[0].(storageRef)
		if !ok {
			return nil, fmt.Errorf("%s: storage is a %s", g, describe(args[0]))
		}
		offset, ok := args[1].(int64)
		if !ok {
			return nil, fmt.Errorf("%s: storage offset is a %s", g, describe(args[1]))
		}
		size, err := intTuple(args[2])
		if err != nil {
			return nil, fmt.Errorf("%s: size: %w", g, err)
		}
		stride, err := intTuple(args[3])
		if err != nil {
			return nil, fmt.Errorf("%s: stride: %w", g, err)
		}
		return tensorRef{storage: s, offset: offset, size: size, stride: stride}, nil
	case pyGlobal{"torch._utils", "_rebuild_parameter"}:
		// (data, requires_grad, backward_hooks): a Parameter is its tensor here.
		if len(args) != 3 {
			return nil, fmt.Errorf("%s called with %d arguments, want 3", g, len(args))
		}
		t, ok := args[0].(tensorRef)
		if !ok {
			return nil, fmt.Errorf("%s: data is a %s, not a tensor", g, describe(args[0]))
		}
		return t, nil
	}
	return nil, fmt.Errorf("global %s cannot be called", g)
}

func intTuple(v any) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, fmt.Errorf("a %s, not a tuple", describe(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok {
			return nil, fmt.Errorf("element %d is a %s, not an int", i, describe(x))
		}
		out[i] = n
	}
	return out, nil
}

// describe names a value's Python type for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return fmt.Sprintf("int %d", v)
	case pyLong:
		return fmt.Sprintf("int of %d bytes", len(v))
	case float64:
		return "float"
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("str %q", v)
	case pyTuple:
		return fmt.Sprintf("tuple of %d", len(v))
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	case pyGlobal:
		return v.String()
	case storageRef:
		return "storage"
	case tensorRef:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
