package checkpoint

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
)

// torch.save's legacy format (torch before 1.6, or _use_new_zipfile_serialization=False), which many
// checkpoints of 2019 and 2020 still have, is five pickles one after another, then the storages:
//
//  1. the magic number 0x1950a86a20f9469cfc6c;
//  2. the format's protocol version, 1001;
//  3. the saving system's byte order and type sizes (storages are little-endian whatever it says);
//  4. the state dict, whose storages are persistent ids ('storage', type, key, location, numel, None);
//  5. the keys of the storages, in the order their data follows;
//
// and for each key an 8-byte little-endian element count followed by the elements, little-endian.
// (Torch before 0.4 wrote a tar archive instead, which is not read here.)

// legacyMagic is the magic number as pickle's LONG1 stores it, little-endian.
const legacyMagic pyLong = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

const legacyProtocol = 1001

// openLegacyTorch reads a pytorch_model.bin in the legacy format, with the same restricted unpickler as
// the zip format's data.pkl, and locates each storage's data in the file, reading none yet.
func openLegacyTorch(data []byte) (*torchWeights, error) {
	u := &unpickler{data: data}
	notLegacy := func(err error) error {
		return fmt.Errorf("not a zip archive, nor torch's legacy format from before torch 1.6: %w", err)
	}
	magic, err := u.load()
	if err != nil {
		return nil, notLegacy(err)
	}
	if magic != legacyMagic {
		return nil, notLegacy(fmt.Errorf("the first pickle holds %s, not the magic number", describe(magic)))
	}
	version, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: protocol version: %w", err)
	}
	if version != int64(legacyProtocol) {
		return nil, fmt.Errorf("legacy torch file: protocol version %s, want %d", describe(version), legacyProtocol)
	}
	if _, err := u.load(); err != nil {
		return nil, fmt.Errorf("legacy torch file: system info: %w", err)
	}
	v, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: state dict: %w", err)
	}
	refs, err := stateDictOf(v)
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: %w", err)
	}
	tw, err := newTorchWeights(refs)
	if err != nil {
		return nil, err
	}
	v, err = u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: storage keys: %w", err)
	}
	keys, err := storageKeys(v, tw.storages)
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: storage keys: %w", err)
	}
	at := int64(u.pos)
	spans := make(map[string][2]int64, len(keys)) // key -> the data's [begin, end) in the file
	for _, key := range keys {
		s := tw.storages[key]
		if int64(len(data))-at < 8 {
			return nil, fmt.Errorf("tensor %q: storage %q: the file ends at byte %d, before its element count",
				tw.users[key][0], key, len(data))
		}
		numel := int64(binary.LittleEndian.Uint64(data[at:]))
		if numel != s.numel {
			return nil, fmt.Errorf("tensor %q: storage %q at byte %d holds %d elements, the pickle says %d",
				tw.users[key][0], key, at, numel, s.numel)
		}
		at += 8
		if int64(len(data))-at < s.bytes() {
			return nil, fmt.Errorf("tensor %q: storage %q needs %d bytes from byte %d, the file ends at %d",
				tw.users[key][0], key, s.bytes(), at, len(data))
		}
		spans[key] = [2]int64{at, at + s.bytes()}
		at += s.bytes()
	}
	if at != int64(len(data)) {
		return nil, fmt.Errorf("legacy torch file: %d bytes follow the last storage", int64(len(data))-at)
	}
	tw.read = func(key string) ([]byte, error) {
		span := spans[key]
		return data[span[0]:span[1]], nil
	}
	return tw, nil
}

// storageKeys checks the fifth pickle, the list of storage keys, against the storages the state dict
// names: each exactly once.
func storageKeys(v any, storages map[string]storageRef) ([]string, error) {
	list, ok := v.(*pyList)
	if !ok {
		return nil, fmt.Errorf("a %s, not a list", describe(v))
	}
	keys := make([]string, len(list.items))
	seen := make(map[string]bool, len(list.items))
	for i, item := range list.items {
		key, ok := item.(string)
		switch {
		case !ok:
			return nil, fmt.Errorf("key %d is a %s, not a string", i, describe(item))
		case seen[key]:
			return nil, fmt.Errorf("storage %q is listed twice", key)
		case storages[key].dtype == "":
			return nil, fmt.Errorf("storage %q is listed but no tensor views it", key)
		}
		seen[key] = true
		keys[i] = key
	}
	for _, key := range slices.Sorted(maps.Keys(storages)) {
		if !seen[key] {
			return nil, fmt.Errorf("storage %q is viewed by a tensor but not listed, so its data is missing", key)
		}
	}
	return keys, nil
}
