//go:build e2e

// Package e2e tests bertology's page end to end in headless Chromium (chromedp): it serves public/ as
// ./build.sh serve does, clicks through the UI, counts what the charts draw, feeds the page a corrupted
// model, checks that nothing is requested outside the page's origin, and reloads it offline. It also
// checks that a pass on several workers computes what one worker does, and measures it.
//
// The tests need the built site and a Chromium, so they sit behind the e2e build tag:
//
//	./build.sh build && go test -tags e2e ./e2e/
//
// ./build.sh test runs them. They save screenshots of each view to out/screenshots/.
package e2e
