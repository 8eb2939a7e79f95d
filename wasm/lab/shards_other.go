//go:build !(js && wasm)

package lab

// hostShards is the host's pool of shards: natively there is none, and ModelRunner's goroutines
// parallelise instead.
func hostShards() shards { return nil }
