//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bertology/core/golden"
)

// examplesState summarises the table of examples, for failure messages.
const examplesState = `JSON.stringify({
	status: (document.querySelector("#status") || {}).textContent,
	error: (document.querySelector("#error") || {}).textContent,
	summary: (document.querySelector("#examples-summary") || {}).textContent,
	page: (document.querySelector("#examples-page") || {}).textContent,
	rows: document.querySelectorAll("#examples-table tbody tr").length,
	text: (document.querySelector("#text") || {}).value,
})`

// shownExample is one row of the table as the page shows it.
type shownExample struct {
	Row        int    `json:"row"`
	Text       string `json:"text"`
	Label      string `json:"label"`
	Predicted  string `json:"predicted"`
	Confidence string `json:"confidence"`
	Outcome    string `json:"outcome"`
}

const shownRows = `[...document.querySelectorAll("#examples-table tbody tr")].map(r => ({row: +r.dataset.row,
	text: r.cells[1].textContent, label: r.cells[2].textContent, predicted: r.cells[3].textContent,
	confidence: r.cells[4].textContent, outcome: r.cells[5].textContent}))`

// TestExamplesTable predicts every example of the real SST-2 dev set in the page with its default
// model: the table has 872 rows, its share of right ones is the accuracy the page reports, sorting by
// confidence sorts, the confusion matrix counts sum to 872 and a cell clicked lists its examples, and a
// row clicked becomes the input's sentence and runs the views on it. It saves
// out/screenshots/examples-1280.png and examples-768.png.
func TestExamplesTable(t *testing.T) {
	devPath := golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv")
	s := startSite(t)
	b := startBrowser(t, s)
	b.run(t, "opening the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads", `document.querySelector("#model-source") && `+idle, pageState, 60*time.Second)
	b.run(t, "uploading the SST-2 dev set", chromedp.SetUploadFiles("#dataset-file", []string{devPath}))
	b.waitFor(t, "the data set loads", `(document.querySelector("#dataset-count") || {}).textContent == "872" && `+idle, pageState, 30*time.Second)
	start := time.Now()
	click(t, b, "#examples-run")
	b.waitFor(t, "the table is drawn", `document.querySelectorAll("#examples-table tbody tr").length > 0 && `+idle, examplesState, 120*time.Second)
	t.Logf("the page predicted 872 examples in %v", time.Since(start).Round(time.Millisecond))

	pageText := b.text(t, "#examples-page")
	if !strings.Contains(pageText, "rows 1–20 of 872 (872 examples in all)") {
		t.Errorf("pager says %q", pageText)
	}
	summary := b.text(t, "#examples-summary")
	m := regexp.MustCompile(`872 examples: accuracy (\d\.\d+); (\d+) right, (\d+) wrong`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("summary %q", summary)
	}
	accuracy, _ := strconv.ParseFloat(m[1], 64)

	// Every page of the table, in the file's order.
	var all []shownExample
	for p := 0; ; p++ {
		var rows []shownExample
		b.eval(t, shownRows, &rows)
		all = append(all, rows...)
		var last bool
		b.eval(t, `document.querySelector("#examples-next").disabled`, &last)
		if last {
			break
		}
		click(t, b, "#examples-next")
		b.waitFor(t, "the next page shows", fmt.Sprintf(`+document.querySelector("#examples-table tbody tr").dataset.row == %d`, (p+1)*20), examplesState, 10*time.Second)
	}
	if len(all) != 872 {
		t.Fatalf("the table's pages hold %d rows, want 872", len(all))
	}
	right, maxConf := 0, 0.0
	for i, r := range all {
		if r.Row != i {
			t.Fatalf("row %d of the file's order is example %d", i, r.Row)
		}
		if (r.Label == r.Predicted) != strings.Contains(r.Outcome, "right") {
			t.Errorf("row %d: label %q, prediction %q, outcome %q", i, r.Label, r.Predicted, r.Outcome)
		}
		if strings.Contains(r.Outcome, "right") {
			right++
		}
		maxConf = max(maxConf, percentOf(t, r.Confidence))
	}
	if got := float64(right) / 872; fmt.Sprintf("%.4f", got) != m[1] || strconv.Itoa(right) != m[2] {
		t.Errorf("the table has %d right rows (accuracy %.4f), the page reports %v (%s right)", right, got, accuracy, m[2])
	}

	// Sorting by confidence: most confident first, then, clicked again, least confident first.
	click(t, b, `#examples-table th[data-sort="confidence"]`)
	b.waitFor(t, "the table sorts", `document.querySelector("#examples-table th[data-sort=confidence]").textContent.includes("▼")`, examplesState, 10*time.Second)
	for _, descending := range []bool{true, false} {
		var rows []shownExample
		b.eval(t, shownRows, &rows)
		for i := 1; i < len(rows); i++ {
			a, c := percentOf(t, rows[i-1].Confidence), percentOf(t, rows[i].Confidence)
			if descending && a < c || !descending && a > c {
				t.Errorf("sorted by confidence (descending %v): %v before %v", descending, a, c)
			}
		}
		if descending && percentOf(t, rows[0].Confidence) != maxConf {
			t.Errorf("the most confident row shows %s, the table's highest is %.1f%%", rows[0].Confidence, maxConf)
		}
		if descending {
			click(t, b, `#examples-table th[data-sort="confidence"]`)
			b.waitFor(t, "the order turns", `document.querySelector("#examples-table th[data-sort=confidence]").textContent.includes("▲")`, examplesState, 10*time.Second)
		}
	}

	// The confusion matrix: its counts sum to 872 and match the table; a cell clicked filters it.
	var cells []struct {
		Label     int `json:"label"`
		Predicted int `json:"predicted"`
		Count     int `json:"count"`
	}
	b.eval(t, `[...document.querySelectorAll("figure[data-chart=confusion-matrix] svg g.cell")].map(g => ({label: +g.dataset.label,
		predicted: +g.dataset.predicted, count: +g.querySelector("text.count").textContent}))`, &cells)
	if len(cells) != 4 {
		t.Fatalf("%d cells in the confusion matrix, want 2 × 2", len(cells))
	}
	var classes []string
	b.eval(t, `[...document.querySelectorAll("#examples-label option")].slice(1).map(o => o.textContent)`, &classes)
	total := 0
	for _, c := range cells {
		total += c.Count
		n := 0
		for _, r := range all {
			if r.Label == classes[c.Label] && r.Predicted == classes[c.Predicted] {
				n++
			}
		}
		if n != c.Count {
			t.Errorf("cell label %s, predicted %s counts %d, the table %d", classes[c.Label], classes[c.Predicted], c.Count, n)
		}
	}
	if total != 872 {
		t.Errorf("the confusion matrix counts %d examples, want 872", total)
	}
	wrong := cells[1] // label 0, predicted 1
	b.eval(t, `document.querySelector('figure[data-chart=confusion-matrix] svg g.cell[data-label="0"][data-predicted="1"] rect').dispatchEvent(new MouseEvent("click", {bubbles: true}))`, nil)
	b.waitFor(t, "the cell filters the table", fmt.Sprintf(`(document.querySelector("#examples-page").textContent.includes("of %d (872") || %d == 0)`, wrong.Count, wrong.Count), examplesState, 10*time.Second)
	var filtered []shownExample
	b.eval(t, shownRows, &filtered)
	for _, r := range filtered {
		if r.Label != classes[0] || r.Predicted != classes[1] {
			t.Errorf("filtered by the cell, row %d has label %q and prediction %q", r.Row, r.Label, r.Predicted)
		}
	}
	b.screenshot(t, "examples-1280")
	b.shoot(t, "#examples-panel", "examples-panel-1280")

	// A row clicked becomes the input's sentence, and the views run on it.
	click(t, b, "#examples-clear")
	b.waitFor(t, "the filters clear", `document.querySelector("#examples-page").textContent.includes("of 872")`, examplesState, 10*time.Second)
	var row shownExample
	b.eval(t, `(`+shownRows+`)[3]`, &row)
	before := shownTokens(t, b)
	// The analysis of the input shown in its tab runs again on the example too.
	click(t, b, "#tab-rollout", "#rollout-run")
	b.waitFor(t, "the rollout is drawn", `document.querySelector("figure[data-chart=rollout] svg") && `+idle, examplesState, 30*time.Second)
	rolloutBefore := b.text(t, "figure[data-chart=rollout] svg")
	click(t, b, fmt.Sprintf(`#examples-table tr[data-row="%d"]`, row.Row))
	b.waitFor(t, "the example becomes the sentence", fmt.Sprintf(`document.querySelector("#text").value == %q && %s`, row.Text, idle), examplesState, 30*time.Second)
	b.waitFor(t, "the rollout follows the example", fmt.Sprintf(`(document.querySelector("figure[data-chart=rollout] svg") || {}).textContent != %q && %s`, rolloutBefore, idle), examplesState, 30*time.Second)
	after := shownTokens(t, b)
	if strings.Join(after, " ") == strings.Join(before, " ") || len(after) < 3 {
		t.Errorf("the tokens shown did not follow the example: %q, before %q", after, before)
	}
	if b.count(t, "figure[data-chart=head-view] svg line") == 0 {
		t.Error("the head view has no lines for the example")
	}

	b.run(t, "narrowing the window", chromedp.EmulateViewport(768, 900))
	b.waitFor(t, "the page lays out again", `document.documentElement.clientWidth == 768`, examplesState, 10*time.Second)
	var overflow bool
	b.eval(t, `document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
	if overflow {
		t.Error("the page is wider than the 768-pixel window")
	}
	b.screenshot(t, "examples-768")
	b.shoot(t, "#examples-panel", "examples-panel-768")
}

// percentOf reads a percentage the table shows ("97.3%").
func percentOf(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		t.Fatalf("confidence %q is not a percentage", s)
	}
	return v
}
