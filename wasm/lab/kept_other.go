//go:build !(js && wasm)

package lab

// hostStore is the host's store of kept models: natively there is none (the command line keeps
// models in the Hub's cache, core/hub).
func hostStore() Store { return nil }
