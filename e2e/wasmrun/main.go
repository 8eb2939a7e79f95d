// Command wasmrun runs a GOOS=js GOARCH=wasm program (a test binary built with go test -c) in headless
// Chromium, with bertology's SIMD kernel module attached as the page's worker attaches it, and copies
// what it prints to standard output. build.sh bench uses it to run the benchmarks in the browser, where
// the numbers that matter are (Node runs the same wasm about 1.8x slower):
//
//	GOOS=js GOARCH=wasm go test -c -o /tmp/kernel.test ./core/kernel
//	go run ./e2e/wasmrun -kernels relaxed-simd /tmp/kernel.test -test.run '^$' -test.bench Sgemm
//
// The page is served from a loopback server that holds nothing but the program, Go's wasm_exec.js and
// public/'s kernels.js and kernel builds; the program's exit code becomes wasmrun's.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const page = `<!doctype html>
<meta charset="utf-8">
<title>wasmrun</title>
<script src="wasm_exec.js"></script>
<script src="kernels.js"></script>
<script>
window.exitCode = (async () => {
	const go = new Go();
	go.argv = ["program"].concat(ARGS);
	let exit;
	const exited = new Promise(r => { exit = r; });
	go.exit = code => exit(code);
	const kernels = bertologyKernels();
	go.importObject.bertology_kernels = kernels.imports;
	const { instance } = await WebAssembly.instantiateStreaming(fetch("program.wasm"), go.importObject);
	const got = await kernels.attach(instance.exports.mem, f => fetch(f).then(r => r.ok ? r.arrayBuffer() : null), KERNELS);
	if (KERNELS && got !== KERNELS) {
		console.log("wasmrun: the kernels that loaded are " + got + ", not " + KERNELS);
		return 3;
	}
	go.run(instance);
	return exited;
})();
</script>
`

func main() {
	kernels := flag.String("kernels", "", "the kernels to attach: relaxed-simd, simd128 or go (default: the fastest that validates)")
	public := flag.String("public", "public", "the site's directory, which holds kernels.js and kernels-*.wasm")
	timeout := flag.Duration("timeout", 20*time.Minute, "how long the program may run")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wasmrun [-kernels NAME] [-public DIR] PROGRAM.wasm [ARGUMENTS...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	code, err := run(flag.Arg(0), flag.Args()[1:], *kernels, *public, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmrun:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(program string, args []string, kernels, public string, timeout time.Duration) (int, error) {
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return 0, err
	}
	kernelsJSON, _ := json.Marshal(kernels)
	html := strings.NewReplacer("ARGS", string(argsJSON), "KERNELS", string(kernelsJSON)).Replace(page)
	files := map[string]string{
		"/program.wasm": program,
		"/wasm_exec.js": filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"),
		"/kernels.js":   filepath.Join(public, "kernels.js"),
	}
	for _, f := range []string{"kernels-simd.wasm", "kernels-relaxed.wasm"} {
		files["/"+f] = filepath.Join(public, f)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, html)
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, f)
	}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-pings", true),
		// Everything but the loopback server, which Chromium reaches past any proxy, is unreachable.
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	defer cancelTimeout()
	chromedp.ListenTarget(ctx, func(ev any) {
		if ev, ok := ev.(*cdpruntime.EventConsoleAPICalled); ok {
			var parts []string
			for _, a := range ev.Args {
				var s string
				if json.Unmarshal(a.Value, &s) == nil {
					parts = append(parts, s)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			fmt.Println(strings.Join(parts, " "))
		}
	})
	var code int
	err = chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.Evaluate(`window.exitCode`, &code, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}))
	return code, err
}

// chromium is the browser binary, as the end-to-end tests find it.
func chromium() string {
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "chromium"
}
