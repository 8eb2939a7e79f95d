package model

// In js/wasm the memory is WebAssembly's 32-bit address space; running out of it ends the instance.
const (
	defaultMemoryLimit = 4 << 30
	memoryLimitName    = "WebAssembly allows"
)
