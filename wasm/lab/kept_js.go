//go:build js && wasm

package lab

import (
	"fmt"
	"io/fs"
	"syscall/js"

	"bertology/wasm/protocol"
)

// hostStore is the store that the host registered as globalThis.bertologyKept (public/kept.js, which
// the page's worker sets up), or nil when there is none (Node).
func hostStore() Store {
	v := js.Global().Get("bertologyKept")
	if v.Type() != js.TypeObject {
		return nil
	}
	return jsStore{v}
}

// jsStore calls the JavaScript store: put(key, bytes), get(key) (null when not kept), keys() and
// delete(key), each returning a promise.
type jsStore struct{ store js.Value }

func (s jsStore) Put(key string, data []byte) error {
	v, _ := protocol.ToJS(data)
	_, err := await(s.store.Call("put", key, v), protocol.FromJS)
	return err
}

func (s jsStore) Get(key string) ([]byte, error) {
	v, err := await(s.store.Call("get", key), protocol.FromJS)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("%s: the store gave %s, not bytes", key, protocol.KindOf(v))
	}
	return b, nil
}

func (s jsStore) Keys() ([]string, error) {
	v, err := await(s.store.Call("keys"), protocol.FromJS)
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := protocol.Decode(v, &keys); err != nil {
		return nil, fmt.Errorf("the store's keys: %w", err)
	}
	return keys, nil
}

func (s jsStore) Delete(key string) error {
	_, err := await(s.store.Call("delete", key), protocol.FromJS)
	return err
}
