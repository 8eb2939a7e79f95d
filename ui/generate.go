package main

// The components' Go code is generated from the .vugu files; the generated *_gen.go files are build
// output (./build.sh builds them), not committed.
//go:generate go tool vugugen -s -skip-go-mod -skip-main .
