#!/usr/bin/env bash
# build.sh: the project's one entry point.
#   ./build.sh serve [PORT]   build everything and serve public/ on http://localhost:PORT (default 8080)
#   ./build.sh test           every test tier: native Go, Go as js/wasm under Node, Node API tests, Chromium e2e
#   ./build.sh bench          benchmarks, natively, as js/wasm under Node and in headless Chromium
#   ./build.sh build          build the site into public/ without serving
#   ./build.sh kernels        assemble only the SIMD kernel module (public/kernels-*.wasm), for js/wasm go test
set -euo pipefail
cd "$(dirname "$0")"

GOROOT_WASM="$(go env GOROOT)/lib/wasm"
export PATH="$PATH:$GOROOT_WASM"

log() { printf '\n== %s\n' "$*"; }

# The model the page opens at once: the project's BERT trained on SST-2, copied into public/models/default/.
DEFAULT_MODEL=public/models/bert-tiny-sst2
DEFAULT_MODEL_FILES="config.json model.safetensors vocab.txt"

# stories260K (llama2.c's tinyllamas, MIT) is third-party data: it is never committed; build_site copies
# its checkpoint and tokenizer from ../shared into public/models/stories260K/, beside its committed card.
STORIES_SRC=../shared/data/models/stories260K
STORIES_FILES="stories260K.bin tok512.bin"

# bundle_stories260K copies stories260K into public/models/stories260K/ (build_site then lists its files), or
# says why the site goes without it.
bundle_stories260K() {
	local dst=public/models/stories260K f
	rm -f "$dst/files.json" "$dst/stories260K.bin" "$dst/tok512.bin"
	if [ ! -f "$STORIES_SRC/stories260K.bin" ] || [ ! -f "$STORIES_SRC/tok512.bin" ]; then
		printf 'stories260K: %s/{stories260K.bin,tok512.bin} not found: the site is built without stories260K (its card only)\n' "$STORIES_SRC"
		return 0
	fi
	for f in $STORIES_FILES; do
		cp "$STORIES_SRC/$f" "$dst/"
	done
}

# generate_ui writes the Go code of the Vugu components (ui/*_gen.go, build output, not committed).
generate_ui() {
	go tool vugugen -s -skip-go-mod -skip-main ./ui
	gofmt -w ui/*_gen.go # vugugen's output is not gofmt-clean
}

# apt_install installs Debian packages, waiting for another apt run's lock rather than failing on it.
apt_install() {
	log "install: $* (apt)"
	apt-get -o DPkg::Lock::Timeout=900 update
	apt-get -o DPkg::Lock::Timeout=900 install -y "$@"
}

# build_kernels assembles the SIMD128 kernel module (public/kernels-simd.wasm) and its relaxed-SIMD build
# (public/kernels-relaxed.wasm) from the WebAssembly text that core/kernel/simdgen writes.
build_kernels() {
	command -v wat2wasm >/dev/null || apt_install wabt
	local wat
	wat="$(mktemp -d)"
	go run ./core/kernel/simdgen >"$wat/simd.wat"
	go run ./core/kernel/simdgen -relaxed >"$wat/relaxed.wat"
	wat2wasm "$wat/simd.wat" -o public/kernels-simd.wasm
	wat2wasm --enable-relaxed-simd "$wat/relaxed.wat" -o public/kernels-relaxed.wasm
	rm -rf "$wat"
}

# build_site builds the static site in public/: the UI (ui.wasm), the lab (bertology.wasm), Go's
# wasm_exec.js and the default model with its files.json (read by the worker and the service worker).
build_site() {
	log "build: site in public/"
	generate_ui
	build_kernels
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o public/bertology.wasm ./wasm
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o public/ui.wasm ./ui
	cp "$GOROOT_WASM/wasm_exec.js" public/wasm_exec.js
	rm -rf public/models/default
	mkdir -p public/models/default
	local f list=""
	for f in $DEFAULT_MODEL_FILES; do
		cp "$DEFAULT_MODEL/$f" public/models/default/
		list="$list${list:+, }\"$f\""
	done
	printf '[%s]\n' "$list" >public/models/default/files.json
	bundle_stories260K
	# each bundled model's files.json (public/models/index.json lists the models), its files but the card
	local dir
	for dir in public/models/*/; do
		[ "$dir" = public/models/default/ ] && continue
		list=""
		for f in "$dir"*; do
			f="$(basename "$f")"
			case "$f" in files.json | README.md) continue ;; esac
			list="$list${list:+, }\"$f\""
		done
		[ -n "$list" ] || continue # a card only (stories260K without ../shared)
		printf '[%s]\n' "$list" >"${dir}files.json"
	done
	# NAME.wasm.gz and NAME.wasm.br, which ./build.sh serve sends to browsers that accept them
	for f in public/ui.wasm public/bertology.wasm; do
		printf '%-26s %9d bytes\n' "$f" "$(wc -c <"$f")"
	done
	go run ./cmd/precompress public/ui.wasm public/bertology.wasm public/kernels-simd.wasm public/kernels-relaxed.wasm
}

# ensure_chromium installs Debian's chromium for the end-to-end tests when it is missing.
ensure_chromium() {
	command -v chromium >/dev/null || apt_install chromium
}

test_native() {
	log "test: native go test ./..."
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./... # the js-only files (wasm/server.go, ui/host_js.go, ...) too
	go test ./...
}

# test_wasm runs the core's tests as js/wasm under Node, through wasm/node/go_js_wasm_exec, on each kernel
# path: the SIMD128 module, Go's own kernels (the fallback when the module cannot load), and the parity
# tests again on the relaxed-SIMD build. -count=1: the kernels are chosen outside the test binary (by
# the wrapper), so go test's cache cannot tell the runs apart.
test_wasm() {
	build_kernels
	local path="$PWD/wasm/node:$PATH"
	log "test: core as js/wasm under Node, SIMD128 kernels"
	PATH="$path" BERTOLOGY_KERNELS=simd128 GOOS=js GOARCH=wasm go test -count=1 ./core/...
	log "test: core as js/wasm under Node, Go kernels"
	PATH="$path" BERTOLOGY_KERNELS=go GOOS=js GOARCH=wasm go test -count=1 ./core/...
	log "test: kernels and parity as js/wasm under Node, relaxed-SIMD kernels"
	PATH="$path" BERTOLOGY_KERNELS=relaxed-simd GOOS=js GOARCH=wasm go test -count=1 ./core/kernel/ ./core/model/ ./core/bertology/
}

test_node() {
	log "test: the JavaScript API (public/bertology.wasm) under Node"
	node --test wasm/
}

test_e2e() {
	log "test: end to end in headless Chromium"
	ensure_chromium
	go vet -tags e2e ./e2e/
	go test -tags e2e -count=1 ./e2e/
}

case "${1:-}" in
serve)
	build_site
	port="${2:-${PORT:-8080}}"
	log "serve: http://localhost:$port/"
	exec go run ./cmd/bertology serve --dir public --port "$port"
	;;
build)
	build_site
	;;
kernels)
	build_kernels
	;;
test)
	generate_ui # so that go vet sees the components as they are now
	test_native
	test_wasm
	build_site
	test_node
	test_e2e
	;;
bench)
	# Every kernel implementation side by side (cmd/benchtable): natively, as js/wasm under Node, and in
	# headless Chromium (e2e/wasmrun), where the browser's numbers come from. Rates are medians of
	# nothing: rerun and compare ratios, since this machine's absolute times vary by 10-30%.
	build_kernels
	ensure_chromium
	bench_dir="$(mktemp -d)"
	trap 'rm -rf "$bench_dir"' EXIT
	bench_go() { # $1: label, $2..: go test arguments
		log "bench: $1"
		shift
		go test -run '^$' "$@" | go run ./cmd/benchtable
	}
	bench_chromium() { # $1: label, $2: package, $3..: test binary arguments
		log "bench: $1"
		local pkg=$2
		shift 2
		GOOS=js GOARCH=wasm go test -c -o "$bench_dir/bench.wasm" "$pkg"
		go run ./e2e/wasmrun "$bench_dir/bench.wasm" -test.run '^$' "$@" | go run ./cmd/benchtable
	}
	for target in native js/wasm; do
		if [ "$target" = js/wasm ]; then
			export GOOS=js GOARCH=wasm PATH="$PWD/wasm/node:$PATH"
			target="js/wasm under Node"
		fi
		bench_go "$target: kernels" -bench 'Sgemm|Softmax|LayerNorm|GELU' -benchtime 20x ./core/kernel/
		bench_go "$target: forward, batch 1, every attention returned" -bench 'Forward$' -benchtime 5x ./core/model/
		bench_go "$target: forward and backward, bert-tiny, 8 x 128 tokens" -bench 'ForwardBackward' -benchtime 3x ./core/model/
		bench_go "$target: tokenizers (SST-2 dev, real vocabularies)" -bench . -benchtime 3x ./core/tokenizer/
		bench_go "$target: importance over 200 SST-2 dev sentences" -bench 'Importance' -benchtime 1x ./core/bertology/
		unset GOOS GOARCH
	done
	bench_chromium "Chromium: kernels" ./core/kernel/ -test.bench 'Sgemm|Softmax|LayerNorm|GELU' -test.benchtime 20x
	bench_chromium "Chromium: forward, batch 1, every attention returned" ./core/model/ -test.bench 'Forward$' -test.benchtime 5x
	log "bench: Chromium: importance on the SST-2 dev set through the page's worker, one and two workers (default model)"
	build_site >/dev/null
	go test -tags e2e -run '^$' -bench ImportanceWorkers -benchtime 3x ./e2e/ | go run ./cmd/benchtable
	log "bench: Chromium: clicking a head (an evaluation of the SST-2 dev set with one head masked), default model"
	go test -tags e2e -run '^$' -bench ClickHead -benchtime 5x ./e2e/ | go run ./cmd/benchtable
	log "bench: Chromium: importance over 200 SST-2 dev sentences, random distilbert-base, one worker and one per core"
	go test -tags e2e -run '^$' -bench ImportanceDistilBERT -benchtime 1x ./e2e/ | go run ./cmd/benchtable
	;;
*)
	echo "usage: $0 serve [PORT] | test | bench | build | kernels" >&2
	exit 2
	;;
esac
