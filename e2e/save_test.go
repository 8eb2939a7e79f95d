//go:build e2e

package e2e

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// saveCharts saves the head view as SVG and as PNG and checks the files: the SVG has the lines the page
// shows, the PNG is the SVG drawn at twice its size.
func saveCharts(t *testing.T, b *browser) {
	dir := t.TempDir()
	b.run(t, "allowing downloads", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir))
	lines := b.count(t, "figure[data-chart=head-view] svg line")

	b.run(t, "saving the head view as SVG", chromedp.Click("figure[data-chart=head-view] button.save-svg"))
	svg := waitForFile(t, filepath.Join(dir, "head-view.svg"))
	var doc struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Groups []struct {
			Lines []struct{} `xml:"line"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("head-view.svg is not XML: %v", err)
	}
	saved := 0
	for _, g := range doc.Groups {
		saved += len(g.Lines)
	}
	if saved != lines {
		t.Errorf("head-view.svg has %d lines, the page shows %d", saved, lines)
	}

	b.run(t, "saving the head view as PNG", chromedp.Click("figure[data-chart=head-view] button.save-png"))
	img, err := png.Decode(bytes.NewReader(waitForFile(t, filepath.Join(dir, "head-view.png"))))
	if err != nil {
		t.Fatalf("head-view.png: %v", err)
	}
	w, _ := strconv.ParseFloat(doc.Width, 64)
	h, _ := strconv.ParseFloat(doc.Height, 64)
	if got := img.Bounds().Size(); got.X != int(2*w) || got.Y != int(2*h) {
		t.Errorf("head-view.png is %v, want twice the SVG's %s × %s", got, doc.Width, doc.Height)
	}
}

// waitForFile waits for a download to finish and returns its contents.
func waitForFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			return data
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("%s was not downloaded (the folder holds %v)", filepath.Base(path), entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
