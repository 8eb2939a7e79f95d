//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// firstDraw is the time from navigation to the head view's first drawing, in milliseconds (the UI
// marks it with performance.mark when the chart first appears).
const firstDraw = `performance.getEntriesByName("bertology:first-draw:head-view").map(e => e.startTime)[0] || 0`

// BenchmarkFirstAttentionView measures how long the page takes from navigation to the first drawn
// attention view (the default model loaded, the default sentence run, the head view drawn): on a first
// visit with a fresh browser profile, and on a reload, when the service worker has the site cached.
// ns/op also counts starting Chromium; the two page metrics do not.
//
//	./build.sh build && go test -tags e2e -run '^$' -bench FirstAttentionView -benchtime 3x ./e2e/
func BenchmarkFirstAttentionView(b *testing.B) {
	s := startSite(b)
	var first, reload float64
	for b.Loop() {
		br := startBrowser(b, s)
		br.run(b, "opening the page", chromedp.Navigate(s.URL+"/"))
		br.waitFor(b, "the head view is drawn", firstDraw+" > 0", pageState, 60*time.Second)
		var ms float64
		br.eval(b, firstDraw, &ms)
		first += ms
		br.waitFor(b, "the service worker controls the page", `navigator.serviceWorker.controller`, pageState, 30*time.Second)
		br.run(b, "reloading", chromedp.Navigate(s.URL+"/"))
		br.waitFor(b, "the head view is drawn again", firstDraw+" > 0", pageState, 60*time.Second)
		br.eval(b, firstDraw, &ms)
		reload += ms
		br.close()
	}
	b.ReportMetric(first/float64(b.N), "ms-first-visit")
	b.ReportMetric(reload/float64(b.N), "ms-reload")
}
