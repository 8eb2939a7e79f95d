//go:build !wasm

package model

// Natively the operating system bounds the memory, unless a command sets MemoryLimit.
const (
	defaultMemoryLimit = 0
	memoryLimitName    = "the memory limit is"
)
