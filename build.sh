#!/usr/bin/env bash
# build.sh: the project's one entry point.
#   ./build.sh serve [PORT]   build everything and serve public/ on http://localhost:PORT (default 8080)
#   ./build.sh test           every test tier: native Go, Go as js/wasm under Node, Node API tests, Chromium e2e
#   ./build.sh bench          benchmarks, natively and as js/wasm under Node
#   ./build.sh build          build the site into public/ without serving
set -euo pipefail
cd "$(dirname "$0")"

GOROOT_WASM="$(go env GOROOT)/lib/wasm"
export PATH="$PATH:$GOROOT_WASM"

log() { printf '\n== %s\n' "$*"; }

# The model the page opens at once: the project's BERT trained on SST-2, copied into public/models/default/.
DEFAULT_MODEL=public/models/bert-tiny-sst2
DEFAULT_MODEL_FILES="config.json model.safetensors vocab.txt"

# generate_ui writes the Go code of the Vugu components (ui/*_gen.go, build output, not committed).
generate_ui() {
	go tool vugugen -s -skip-go-mod -skip-main ./ui
	gofmt -w ui/*_gen.go # vugugen's output is not gofmt-clean
}

# build_site builds the static site in public/: the UI (ui.wasm), the lab (bertology.wasm), Go's
# wasm_exec.js and the default model with its files.json (read by the worker and the service worker).
build_site() {
	log "build: site in public/"
	generate_ui
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
	for f in public/ui.wasm public/bertology.wasm; do
		printf '%-22s %9d bytes, gzip -9 %9d bytes\n' "$f" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
	done
}

# ensure_chromium installs Debian's chromium for the end-to-end tests when it is missing.
ensure_chromium() {
	if ! command -v chromium >/dev/null; then
		log "install: chromium (apt)"
		apt-get update
		apt-get install -y chromium
	fi
}

test_native() {
	log "test: native go test ./..."
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./... # the js-only files (wasm/server.go, ui/host_js.go, ...) too
	go test ./...
}

test_wasm() {
	log "test: core as js/wasm under Node"
	GOOS=js GOARCH=wasm go test ./core/...
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
test)
	generate_ui # so that go vet sees the components as they are now
	test_native
	test_wasm
	build_site
	test_node
	test_e2e
	;;
bench)
	# Each line: benchmark, then ms/op (ns/op / 1e6) and its own metrics (GFLOP/s, examples/s, ...).
	bench_go() { # $1: label, $2..: go test arguments
		local label=$1
		shift
		log "bench: $label"
		go test -run '^$' "$@" | awk '/^Benchmark/ { printf "%-55s %10.1f ms/op", $1, $3/1e6; for (i = 5; i < NF; i += 2) printf "  %s %s", $i, $(i+1); print "" } /^(ok|FAIL)/'
	}
	for target in native js/wasm; do
		if [ "$target" = js/wasm ]; then export GOOS=js GOARCH=wasm; fi
		bench_go "$target: kernels" -bench 'MatMul' -benchtime 5x ./core/kernel/
		bench_go "$target: forward and backward" -bench 'Forward' -benchtime 3x ./core/model/
		bench_go "$target: tokenizers (SST-2 dev, real vocabularies)" -bench . -benchtime 3x ./core/tokenizer/
		bench_go "$target: importance over 200 SST-2 dev sentences" -bench 'Importance' -benchtime 1x ./core/bertology/
		unset GOOS GOARCH
	done
	;;
*)
	echo "usage: $0 serve [PORT] | test | bench | build" >&2
	exit 2
	;;
esac
