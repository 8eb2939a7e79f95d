//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bertology/core/golden"
)

// TestWorkflowAtTwoWidths runs the workflow on the real SST-2 dev set at 1280 and at 768 pixels: the
// masking loop's status says how long it still needs while it runs, and the page is saved whole when it
// has run, as out/screenshots/masking-running-<width>.png and workflow-<width>.png, for a person to look
// at.
func TestWorkflowAtTwoWidths(t *testing.T) {
	devPath := golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv")
	for _, width := range []int64{1280, 768} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			s := startSite(t)
			b := startBrowser(t, s)
			b.run(t, "opening the page", chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.URL+"/"))
			b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
			b.run(t, "uploading the SST-2 dev set", chromedp.SetUploadFiles("#dataset-file", []string{devPath}))
			b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "872" && `+idle, pageState, 30*time.Second)
			b.run(t, "computing importance", chromedp.Click("#run-importance"))
			b.waitFor(t, "both heatmaps are drawn", `document.querySelectorAll("svg.head-map").length == 2 && `+idle, pageState, 60*time.Second)
			b.run(t, "running the masking loop", chromedp.Click("#run-masking"))
			b.waitFor(t, "the status estimates the time left", `/round \d+ of at most \d+, \d+%, about \d+ (s|min) left/.test((document.querySelector("#status") || {}).textContent || "")`,
				pageState, 60*time.Second)
			status := b.text(t, "#status")
			var inSight bool
			b.eval(t, `(() => { document.querySelector("#pruning-panel").scrollIntoView(); const r = document.querySelector("#status").getBoundingClientRect();
				return scrollY > 0 && r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()`, &inSight)
			if !inSight {
				t.Error("scrolled to the pruning panel, the status bar is out of sight")
			}
			b.screenshot(t, fmt.Sprintf("status-scrolled-%d", width))
			b.run(t, "scrolling back", chromedp.Evaluate(`scrollTo(0, 0)`, nil))
			b.screenshot(t, fmt.Sprintf("masking-running-%d", width))
			b.waitFor(t, "the masking loop ends", `document.querySelector("#masking-ended") && `+idle, pageState, 180*time.Second)
			if !strings.Contains(status, "of at most") {
				t.Errorf("status %q does not say which round of how many at most", status)
			}
			var overflow bool
			b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
			if overflow {
				t.Errorf("the page is wider than the %d-pixel window", width)
			}
			b.screenshot(t, fmt.Sprintf("workflow-%d", width))
		})
	}
}
