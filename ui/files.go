package main

import (
	"errors"

	"github.com/vugu/vugu/js"
)

// files is what a panel needs from the page to read a picked file and to offer files for download.
// Root is the page's: it reports a failure to save on the page.
type files interface {
	// readFile reads the first file picked in the file input element input, from a job's goroutine.
	readFile(input js.Value) (name string, data []byte, err error)
	// saveFile offers data for download as name.
	saveFile(name string, data []byte)
	// SaveChart offers an SVG document for download, as name.svg or, rendered, as name.png.
	SaveChart(name, svg string, png bool)
}

// fileReader, fileSaver: what the panels need from a host besides Host, which the browser's host
// has (files_js.go). Without them the data file and the downloads are unavailable.
type (
	fileReader interface {
		// ReadFile reads the first file picked in the file input element input.
		ReadFile(input js.Value) (name string, data []byte, err error)
	}
	fileSaver interface {
		// SaveFile offers data for download as name.
		SaveFile(name string, data []byte) error
	}
)

func (c *Root) readFile(input js.Value) (string, []byte, error) {
	reader, ok := c.Host.(fileReader)
	if !ok {
		return "", nil, errors.New("reading a data file needs the browser")
	}
	return reader.ReadFile(input)
}

func (c *Root) saveFile(name string, data []byte) {
	c.saving(func() error {
		saver, ok := c.Host.(fileSaver)
		if !ok {
			return errors.New("saving files needs the browser")
		}
		return saver.SaveFile(name, data)
	})
}

func (c *Root) SaveChart(name, svg string, png bool) {
	c.saving(func() error { return c.Host.Save(name, svg, png) })
}

// saving runs save on its own goroutine, since it may be called with the lock held or not and saving
// may wait for the browser, and shows its failure on the page.
func (c *Root) saving(save func() error) {
	go func() {
		if err := save(); err != nil {
			c.update(func() { c.err = err.Error() })
		}
	}()
}
