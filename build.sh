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

# build_site compiles the wasm binaries and copies wasm_exec.js next to them in public/.
build_site() {
	log "build: wasm"
	cp "$GOROOT_WASM/wasm_exec.js" public/wasm_exec.js
	if [ -d wasm ] && ls wasm/*.go >/dev/null 2>&1; then
		GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o public/bertology.wasm ./wasm
	fi
}

test_native() {
	log "test: native go test ./..."
	go vet ./...
	go test ./...
}

test_wasm() {
	log "test: core as js/wasm under Node"
	GOOS=js GOARCH=wasm go test ./core/...
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
	test_native
	test_wasm
	;;
bench)
	log "bench: native"
	go test -run '^$' -bench . -benchtime 3x ./core/...
	log "bench: js/wasm under Node"
	GOOS=js GOARCH=wasm go test -run '^$' -bench . -benchtime 3x ./core/...
	;;
*)
	echo "usage: $0 serve [PORT] | test | bench | build" >&2
	exit 2
	;;
esac
