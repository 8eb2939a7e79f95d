package main

import (
	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"
)

// Chart shows one SVG document from package chart, with buttons that save it as SVG or PNG.
type Chart struct {
	Name  string // file name for saving, and data-chart for styling and tests
	Title string
	SVG   string
	// Click, if set, receives clicks inside the chart; the event's target is the SVG element clicked.
	Click func(event vugu.DOMEvent)
	// Save saves the chart; Root passes one that reports errors.
	Save func(name, svg string, png bool)

	// shown is the SVG last put into the page and version its number, which the element keeps too, so
	// that a render which leaves the chart alone does not make the browser parse the SVG again.
	shown   string
	version int
}

// chartVersions numbers every SVG any chart has shown. Vugu may hand a chart's element to another
// chart when the page changes, so the numbers must not repeat across charts.
var chartVersions int

// show puts the SVG into the chart's element after each render. Vugu leaves the element's children
// alone because the template gives it none.
func (c *Chart) show(el js.Value) {
	if c.version == 0 || c.SVG != c.shown {
		chartVersions++
		c.shown, c.version = c.SVG, chartVersions
	}
	if v := el.Get("bertologyVersion"); v.Type() == js.TypeNumber && v.Int() == c.version {
		return
	}
	el.Set("innerHTML", c.SVG)
	el.Set("bertologyVersion", c.version)
	if c.SVG != "" && !drawn[c.Name] {
		// Marks the moment each chart first appears, for measuring the page (see e2e's benchmark).
		drawn[c.Name] = true
		js.Global().Get("performance").Call("mark", "bertology:first-draw:"+c.Name)
	}
}

// drawn records which charts have been drawn at least once.
var drawn = map[string]bool{}

func (c *Chart) click(event vugu.DOMEvent) {
	if c.Click != nil {
		c.Click(event)
	}
}

func (c *Chart) save(png bool) {
	if c.Save != nil {
		c.Save(c.Name, c.SVG, png)
	}
}
