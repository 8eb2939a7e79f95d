//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLongText pastes 100 KB into the sentence field, more than Vugu's 16 KB render buffer holds and
// far more than the model's maximum: the page truncates it to the maximum and predicts; with
// truncation off it says how long the input is and drops the last prediction; and it never reloads.
// The truncated state is saved as out/screenshots/long-text-1280.png and long-text-768.png.
func TestLongText(t *testing.T) {
	def := loadModel(t, defaultModelDir)
	maxLen, labels := def.Config.MaxPositions, def.Config.NumLabels
	text := strings.Repeat("the quick brown fox jumped over the lazy dog. ", 100<<10/46+1)[:100<<10]
	tokens := len(tokenize(t, def, text))
	if tokens <= maxLen {
		t.Fatalf("the text has %d tokens, not more than the maximum %d", tokens, maxLen)
	}
	s := startSite(t)
	b := startBrowser(t, s)

	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	// A reload would lose this mark.
	b.run(t, "marking the page and pasting 100 KB",
		chromedp.Evaluate(`window.bertologyNotReloaded = true`, nil),
		// What a paste does: the field's value changes and it fires an input event.
		chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector("#text"); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, text), nil),
		chromedp.Click("#run"),
	)
	truncated := fmt.Sprintf("truncated to %d tokens", maxLen)
	bars := "figure[data-chart=prediction] svg g.bars rect"
	b.waitFor(t, "the truncated input's prediction shows",
		fmt.Sprintf(`(document.querySelector("#truncated") || {}).textContent == %q && document.querySelectorAll(%q).length == %d && %s`, truncated, bars, labels, idle),
		pageState, 60*time.Second)
	if n := b.count(t, "#tokens .token"); n != maxLen {
		t.Errorf("%d tokens shown, want the maximum %d", n, maxLen)
	}
	var length int
	b.eval(t, `document.querySelector("#text").value.length`, &length)
	if length != len(text) {
		t.Errorf("the sentence field holds %d characters after the run, want the %d pasted", length, len(text))
	}
	if got := b.errorShown(t); got != "" {
		t.Errorf("error %q with truncation on", got)
	}
	b.screenshot(t, "long-text-1280")
	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 900))
	b.screenshot(t, "long-text-768")
	b.run(t, "widening the window", chromedp.EmulateViewport(1280, 900))

	b.run(t, "turning truncation off and running", chromedp.Click("#truncate"), chromedp.Click("#run"))
	tooLong := fmt.Sprintf("%d tokens, more than the maximum length %d", tokens, maxLen)
	b.waitFor(t, "the error says the input is too long and the bars go",
		fmt.Sprintf(`((document.querySelector("#error") || {}).textContent || "").includes(%q) && !document.querySelector(%q) && !document.querySelector("#truncated") && %s`, tooLong, "figure[data-chart=prediction]", idle),
		pageState, 60*time.Second)

	// A native submit would reload the page within the second.
	b.run(t, "running again", chromedp.Click("#run"), chromedp.Sleep(time.Second))
	b.waitFor(t, "the error shows again", fmt.Sprintf(`((document.querySelector("#error") || {}).textContent || "").includes(%q) && %s`, tooLong, idle), pageState, 60*time.Second)
	var notReloaded bool
	b.eval(t, `window.bertologyNotReloaded === true`, &notReloaded)
	if !notReloaded {
		t.Errorf("the page reloaded")
	}
	if log := b.consoleLog(); strings.Contains(log, "panic") || strings.Contains(log, "does not fit") {
		t.Errorf("the UI program failed:\n%s", log)
	}
}
