// Command precompress writes, beside each file it is given, NAME.gz (gzip) and NAME.br (brotli), for a
// server that sends them with Content-Encoding to browsers that accept
// it (cmd/bertology serve): build.sh runs it on the site's WebAssembly modules, which shrink to about a
// quarter, so that the page starts sooner.
//
//	go run ./cmd/precompress public/ui.wasm public/bertology.wasm
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		if err := precompress(name); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

// encodings are the compressed siblings precompress writes: their suffix and their writer. gzip is at
// its best; brotli at quality 9, since 10 and 11 take twenty times as long (half a minute for
// bertology.wasm) for a tenth less.
var encodings = []struct {
	suffix string
	writer func(io.Writer) io.WriteCloser
}{
	{".gz", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, gzip.BestCompression); return z }},
	{".br", func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 9) }},
}

// precompress writes name's compressed siblings, each through a temporary file renamed into place, so
// that a server never sends one half written.
func precompress(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	for _, e := range encodings {
		var b bytes.Buffer
		w := e.writer(&b)
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("%s%s: %w", name, e.suffix, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("%s%s: %w", name, e.suffix, err)
		}
		tmp := name + e.suffix + ".tmp"
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, name+e.suffix); err != nil {
			return err
		}
		fmt.Printf("%-26s %9d bytes\n", name+e.suffix, b.Len())
	}
	return nil
}
