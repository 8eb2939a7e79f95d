//go:build js && wasm

package lab

import (
	"fmt"
	"syscall/js"

	"bertology/wasm/protocol"
)

// hostShards is the pool that the host registered as globalThis.bertologyShards (public/shards.js,
// which the lab's worker and wasm/node/bertology.mjs set up), or nil when there is none. It is looked
// up for each pass, so that a host may set it up, or change it, at any time.
func hostShards() shards {
	v := js.Global().Get("bertologyShards")
	if v.Type() != js.TypeObject {
		return nil
	}
	return jsShards{v}
}

// jsShards calls the JavaScript pool: concurrency(), version(), setModel(version, files), and run(op,
// request), which returns a promise of the shard's answer.
type jsShards struct{ pool js.Value }

func (p jsShards) Concurrency() int  { return p.pool.Call("concurrency").Int() }
func (p jsShards) ModelVersion() int { return p.pool.Call("version").Int() }

func (p jsShards) SetModel(version int, files map[string][]byte) error {
	v, _ := protocol.ToJS(protocol.Encode(files))
	p.pool.Call("setModel", version, v)
	return nil
}

// Run blocks its goroutine until the promise settles. Go's js/wasm scheduler returns to the JavaScript
// event loop while every goroutine waits, so the shards' answers get in.
func (p jsShards) Run(op string, req, res any) error {
	v, _ := protocol.ToJS(protocol.Encode(req))
	tree, err := await(p.pool.Call("run", op, v), protocol.FromJS)
	if err != nil {
		return err
	}
	if err := protocol.Decode(tree, res); err != nil {
		return fmt.Errorf("the answer does not fit: %w", err)
	}
	return nil
}
