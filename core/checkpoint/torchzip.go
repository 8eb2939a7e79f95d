package checkpoint

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"slices"
	"strings"

	"bertology/core/tensor"
)

// An archive's entries together may inflate to at most maxInflation times the archive's length, plus
// inflationSlack. torch.save stores its entries uncompressed, and weights hardly compress (float noise
// shrinks by a tenth), so only a deflate bomb, which inflates a thousandfold, comes near the bound; the
// slack leaves room for entries that compress far better (GPT-2's causal masks, biases of zeros) in a
// small archive re-packed with deflate. It bounds the entries together, not each one, because a hostile
// archive's entries may overlap, pointing at the same compressed bytes.
const (
	maxInflation   = 16
	inflationSlack = 16 << 20
)

// maxPickleBytes bounds data.pkl. A state dict's pickle takes about a hundred bytes per tensor, so
// this is far more than any real model needs, while it bounds what a hostile pickle can make the
// unpickler allocate (a few dozen bytes per input byte at most).
const maxPickleBytes = 16 << 20

// ReadPytorchBin reads a pytorch_model.bin as torch.save writes it: in the zip format (since torch 1.6),
// an archive whose <prefix>/data.pkl pickles the state dict and whose <prefix>/data/<key> files hold the
// storages, little-endian; or in the legacy format before it (openLegacyTorch). The pickle goes through
// a restricted unpickler that only builds dicts and tensors and refuses any other global by name, so a
// hostile file cannot run anything. Each tensor is copied out of its storage by walking its strides, so
// views with an offset and non-contiguous views read correctly, and tied weights that share a storage
// (lm_head.weight) come back as separate tensors.
func ReadPytorchBin(data []byte) (map[string]*tensor.Tensor, error) {
	tensors, _, err := readPytorchBin(data)
	if err != nil {
		return nil, fmt.Errorf("torch archive: %w", err)
	}
	return tensors, nil
}

// readPytorchBin is ReadPytorchBin that also returns each tensor's stored dtype; its errors leave the
// caller to say which file they are about.
func readPytorchBin(data []byte) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := openPytorchBin(data)
	if err != nil {
		return nil, nil, err
	}
	return decodeWithin(f, noStep)
}

// openPytorchBin reads a pytorch_model.bin's pickle, in the zip format or the legacy one, and checks the
// tensors' views against their storages, reading no storage yet.
func openPytorchBin(data []byte) (*torchWeights, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if len(data) > 0 && data[0] == opProto {
			return openLegacyTorch(data)
		}
		return nil, fmt.Errorf("not a zip archive as torch.save writes: %w", err)
	}
	files := map[string]*zip.File{}
	budget := &inflation{archive: int64(len(data)), left: maxInflation*int64(len(data)) + inflationSlack}
	var pkl string
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("the archive has two entries named %q", f.Name)
		}
		files[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && !strings.Contains(path.Dir(f.Name), "/") {
			if pkl != "" {
				return nil, fmt.Errorf("the archive has two pickles, %q and %q", pkl, f.Name)
			}
			pkl = f.Name
		}
	}
	if pkl == "" {
		return nil, fmt.Errorf("the archive has no <prefix>/data.pkl, so it is not a torch.save file")
	}
	prefix := strings.TrimSuffix(pkl, "data.pkl")
	if f := files[prefix+"byteorder"]; f != nil {
		order, err := budget.read(f, 16)
		if err != nil {
			return nil, err
		}
		if string(order) != "little" {
			return nil, fmt.Errorf("%s says %q; only little-endian storages are supported", f.Name, order)
		}
	}
	pickle, err := budget.read(files[pkl], maxPickleBytes)
	if err != nil {
		return nil, err
	}
	refs, err := stateDict(pickle)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl, err)
	}
	tw, err := newTorchWeights(refs)
	if err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(tw.storages)) {
		s := tw.storages[key]
		f := files[prefix+"data/"+key]
		if f == nil {
			return nil, fmt.Errorf("tensor %q: storage %q is missing (no %sdata/%s in the archive)", tw.users[key][0], key, prefix, key)
		}
		if f.UncompressedSize64 != uint64(s.bytes()) {
			return nil, fmt.Errorf("tensor %q: storage %s holds %d bytes, the pickle says %d elements of %s (%d bytes)",
				tw.users[key][0], f.Name, f.UncompressedSize64, s.numel, s.dtype, s.bytes())
		}
		// Every storage is admitted now, so that an archive whose storages together inflate too far is
		// refused before any weight file of the checkpoint is decoded.
		if err := budget.admit(f, s.bytes()); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", tw.users[key][0], err)
		}
	}
	tw.read = func(key string) ([]byte, error) {
		return readZipFile(files[prefix+"data/"+key])
	}
	return tw, nil
}

// maxViewRepeat bounds how often the tensors of a file may repeat their storages' elements. Tied weights
// view one storage twice, and an expanded buffer such as position_ids views its storage as a whole; a
// pickle that names one view thousands of times (cheap, through the memo) or expands one element a
// billion-fold would otherwise decode to gigabytes from a few kilobytes.
const (
	maxViewRepeat = 4
	viewSlack     = 1 << 16 // elements any file may take on top
)

// torchWeights is a pytorch_model.bin whose state dict has been read and checked: its tensors as views of
// storages, which read returns as raw little-endian bytes.
type torchWeights struct {
	refs     map[string]tensorRef
	storages map[string]storageRef // by key
	users    map[string][]string   // storage key -> the tensors viewing it, sorted
	read     func(key string) ([]byte, error)
	need     int64 // bytes of the tensors as float32
}

// newTorchWeights checks each view against its storage and the views together against maxViewRepeat, and
// groups the tensors by storage; the caller sets read.
func newTorchWeights(refs map[string]tensorRef) (*torchWeights, error) {
	tw := &torchWeights{refs: refs, storages: map[string]storageRef{}, users: map[string][]string{}}
	var viewed int64
	for name, r := range refs {
		count, err := checkView(r)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		viewed += count
		tw.users[r.storage.key] = append(tw.users[r.storage.key], name)
	}
	tw.need = 4 * viewed
	var held int64
	for key, names := range tw.users {
		slices.Sort(names)
		s := refs[names[0]].storage
		for _, name := range names[1:] {
			if refs[name].storage != s {
				return nil, fmt.Errorf("tensors %q and %q disagree on the type or size of storage %q", names[0], name, key)
			}
		}
		tw.storages[key] = s
		held += s.numel
	}
	if viewed > maxViewRepeat*held+viewSlack {
		return nil, fmt.Errorf("the tensors take %d elements from storages that hold %d: views may repeat "+
			"a storage (tied weights, expanded buffers), but not over %d times", viewed, held, maxViewRepeat)
	}
	return tw, nil
}

func (tw *torchWeights) names() []string { return slices.Collect(maps.Keys(tw.refs)) }

func (tw *torchWeights) bytesNeeded() int64 { return tw.need }

// decode reads each storage once, however many tensors view it, and copies its tensors out before
// reading the next.
func (tw *torchWeights) decode(step tensorStep) (map[string]*tensor.Tensor, map[string]string, error) {
	tensors := make(map[string]*tensor.Tensor, len(tw.refs))
	dtypes := make(map[string]string, len(tw.refs))
	for i, key := range slices.Sorted(maps.Keys(tw.users)) {
		if err := step(i, len(tw.users)); err != nil {
			return nil, nil, err
		}
		names := tw.users[key]
		raw, err := tw.read(key)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", names[0], err)
		}
		for _, name := range names {
			tensors[name] = materialize(tw.refs[name], raw)
			dtypes[name] = tw.storages[key].dtype
		}
	}
	if err := step(len(tw.users), len(tw.users)); err != nil {
		return nil, nil, err
	}
	return tensors, dtypes, nil
}

// bytes is the size of the storage's data.
func (s storageRef) bytes() int64 { return s.numel * int64(dtypeSize[s.dtype]) }

// stateDict unpickles data.pkl and checks that it is a dict from names to tensors.
func stateDict(pickle []byte) (map[string]tensorRef, error) {
	v, err := unpickle(pickle)
	if err != nil {
		return nil, err
	}
	return stateDictOf(v)
}

// stateDictOf checks that an unpickled value is a dict from names to tensors.
func stateDictOf(v any) (map[string]tensorRef, error) {
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("the pickle holds a %s, not a state dict", describe(v))
	}
	refs := make(map[string]tensorRef, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %s is not a string", describe(k))
		}
		r, ok := d.values[i].(tensorRef)
		if !ok {
			return nil, fmt.Errorf("state dict entry %q is a %s, not a tensor", name, describe(d.values[i]))
		}
		refs[name] = r
	}
	return refs, nil
}

// checkView checks that every element of the view lies inside its storage and returns the element count.
// Sizes and strides are bounded first, so the sums below cannot overflow.
func checkView(r tensorRef) (int64, error) {
	if len(r.size) != len(r.stride) {
		return 0, fmt.Errorf("size %v and stride %v have different lengths", r.size, r.stride)
	}
	if r.storage.numel > MaxWeightBytes/int64(dtypeSize[r.storage.dtype]) {
		return 0, fmt.Errorf("storage %q of %d elements of %s is over the %d-byte limit (MaxWeightBytes)",
			r.storage.key, r.storage.numel, r.storage.dtype, MaxWeightBytes)
	}
	count := int64(1)
	for _, d := range r.size {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in size %v", r.size)
		}
		if d > 0 && count > math.MaxInt32/d {
			return 0, fmt.Errorf("size %v is too large", r.size)
		}
		count *= d
	}
	if count == 0 {
		return 0, nil
	}
	// The last element the view touches is offset + sum (size-1)*stride; it must be below numel.
	if r.offset < 0 || r.offset >= r.storage.numel {
		return 0, fmt.Errorf("storage offset %d is outside storage %q of %d elements", r.offset, r.storage.key, r.storage.numel)
	}
	last := r.offset
	for i, d := range r.size {
		s := r.stride[i]
		if s < 0 {
			return 0, fmt.Errorf("negative stride in %v", r.stride)
		}
		if d > 1 && s > 0 && d-1 > (r.storage.numel-1-last)/s {
			return 0, fmt.Errorf("view (offset %d, size %v, stride %v) reaches past the end of storage %q of %d elements",
				r.offset, r.size, r.stride, r.storage.key, r.storage.numel)
		}
		last += (d - 1) * s
	}
	return count, nil
}

// materialize copies a view that checkView accepted out of its storage's raw bytes into a row-major
// tensor. A non-contiguous view's elements are first gathered, still encoded, by walking the strides.
func materialize(r tensorRef, raw []byte) *tensor.Tensor {
	shape := make([]int, len(r.size))
	contiguous := true
	step := int64(1)
	for i := len(r.size) - 1; i >= 0; i-- {
		shape[i] = int(r.size[i])
		if r.size[i] != 1 && r.stride[i] != step {
			contiguous = false
		}
		step *= r.size[i]
	}
	count := tensor.NumElements(shape)
	if count == 0 {
		return &tensor.Tensor{Shape: shape, Data: []float32{}}
	}
	size := int64(dtypeSize[r.storage.dtype])
	if contiguous {
		return &tensor.Tensor{Shape: shape, Data: decodeFloats(r.storage.dtype, raw[r.offset*size:], count)}
	}
	gathered := make([]byte, 0, int64(count)*size)
	idx := make([]int64, len(r.size))
	at := r.offset
	for range count {
		gathered = append(gathered, raw[at*size:(at+1)*size]...)
		for d := len(idx) - 1; d >= 0; d-- { // advance the row-major index, innermost dimension first
			idx[d]++
			at += r.stride[d]
			if idx[d] < r.size[d] {
				break
			}
			at -= r.size[d] * r.stride[d]
			idx[d] = 0
		}
	}
	return &tensor.Tensor{Shape: shape, Data: decodeFloats(r.storage.dtype, gathered, count)}
}

// inflation is what an archive's entries may still inflate to, of an archive of the given length.
type inflation struct{ archive, left int64 }

// admit refuses, before anything is read of it, an entry that claims to be larger than limit, a stored
// one whose size is not its length in the archive, and one larger than what is left of the archive's
// inflation, which it takes the entry's size from.
func (in *inflation) admit(f *zip.File, limit int64) error {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	switch {
	case size > uint64(limit):
		return fmt.Errorf("%s is %d bytes, over the %d-byte limit", f.Name, size, limit)
	case f.Method == zip.Store && size != packed:
		return fmt.Errorf("%s is stored uncompressed as %d bytes but says it holds %d", f.Name, packed, size)
	case size > uint64(in.left):
		return fmt.Errorf("%s inflates from %d to %d bytes, which with the entries before it is more than %d times the archive's %d bytes: "+
			"a zip bomb, not a torch.save archive", f.Name, packed, size, maxInflation, in.archive)
	}
	in.left -= int64(size)
	return nil
}

// read admits an entry and reads it.
func (in *inflation) read(f *zip.File, limit int64) ([]byte, error) {
	if err := in.admit(f, limit); err != nil {
		return nil, err
	}
	return readZipFile(f)
}

// readZipFile reads one archive entry, admitted before, whole and checks its CRC.
func readZipFile(f *zip.File) ([]byte, error) {
	size := f.UncompressedSize64
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	b := make([]byte, size)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF { // reading to EOF checks the CRC
		if err == nil || err == io.EOF {
			err = fmt.Errorf("longer than its declared %d bytes", f.UncompressedSize64)
		}
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return b, nil
}
