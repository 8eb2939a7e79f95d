package main

import (
	"github.com/vugu/vugu/js"

	"bertology/wasm/protocol"
)

// Host is what the page needs from its surroundings: the lab, which runs in a Web Worker, and the
// browser's downloads. host_js.go has the browser's; the tests use one that runs the lab in-process.
type Host interface {
	// Call sends op with the fields of req (a request struct, or nil) to the lab, waits for the answer
	// and decodes it into result. progress receives the lab's progress reports. Call blocks, so it must
	// not run in an event handler's goroutine.
	Call(op string, req, result any, progress func(protocol.Progress)) error
	// LoadFiles loads the model files picked in the file input element input.
	LoadFiles(input js.Value, result *protocol.ModelInfo, progress func(protocol.Progress)) error
	// Save offers an SVG document for download, as name.svg or, rendered, as name.png.
	Save(name, svg string, png bool) error
	// Cancel asks the lab to stop every call in flight, which then fail saying so. It does not block.
	Cancel()
}

// labRestarted is the error of a call that the lab's worker could not answer because the lab ran out of
// memory: the worker restarted it, without the model and the data set, and the page forgets them too.
type labRestarted struct{}

func (e *labRestarted) Error() string {
	return "the model ran out of memory; the worker restarted, so load a model again (a smaller one, or with shorter inputs)"
}

// opSetWorkers is an operation the worker adds to the lab's (see public/worker.js).
const opSetWorkers = "setWorkers" // setWorkersRequest → workersInfo

// setWorkersRequest sets how many workers the lab's data-set passes run on: 1 is the lab's worker
// alone, 0 one per core (at most 8).
type setWorkersRequest struct {
	Count int `js:"count"`
}

// workersInfo is the worker's setting after setWorkers.
type workersInfo struct {
	Count    int `js:"count"`
	Cores    int `js:"cores"`
	Replaced int `js:"replaced"` // shards that died and were replaced
}
