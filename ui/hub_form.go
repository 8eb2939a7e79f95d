package main

import (
	"fmt"
	"strings"

	"github.com/vugu/vugu"

	"bertology/wasm/protocol"
)

// HubForm opens models on a Hugging Face Hub by their id, or the address of their page, at a
// revision, from the Hub the endpoint setting names (a mirror's, or huggingface.co by default); and it
// lists the models the lab keeps for opening offline, which it opens and deletes (hub-form.vugu). It
// sits in the model panel.
type HubForm struct {
	Page   page
	Models modelPanel
	// Settings keeps the endpoint between visits; nil when the host has no storage for it.
	Settings settings

	model, revision, endpoint string // as typed
	editEndpoint              bool   // whether the endpoint's field shows

	kept        []protocol.HubModel // the models the lab keeps, the one kept last first
	unavailable string              // why the lab keeps no models, when it cannot
	keepError   string              // why the model loaded last could not be kept
}

// modelPanel is what the Hub form needs of the model panel (Root): to follow a model the lab loaded,
// from where source says.
type modelPanel interface {
	modelLoaded(source string) (func(), error)
	// keepSource says, under the lock, where the model came from, for the saved session.
	keepSource(m *savedModel)
}

// settings keeps the page's settings between visits (the browser's localStorage).
type settings interface {
	Setting(name string) string
	SetSetting(name, value string)
}

// endpointSetting names the Hub's address among the page's settings.
const endpointSetting = "hubEndpoint"

// start reads the settings; it runs once, before the page first renders.
func (c *HubForm) start() {
	if c.Settings != nil {
		c.endpoint = c.Settings.Setting(endpointSetting)
	}
}

// SetModel, SetRevision and SetEndpoint follow the fields; the endpoint is a setting, kept for the next
// visit.
func (c *HubForm) SetModel(event vugu.DOMEvent)    { setField(&c.model, event) }
func (c *HubForm) SetRevision(event vugu.DOMEvent) { setField(&c.revision, event) }
func (c *HubForm) SetEndpoint(event vugu.DOMEvent) {
	setField(&c.endpoint, event)
	if c.Settings != nil {
		c.Settings.SetSetting(endpointSetting, strings.TrimSpace(c.endpoint))
	}
}

// EditEndpoint shows the endpoint's field.
func (c *HubForm) EditEndpoint() { c.editEndpoint = true }

// endpointShown is the Hub the form loads from: the endpoint typed, else the lab's default
// (hub.DefaultEndpoint).
func (c *HubForm) endpointShown() string {
	if e := strings.TrimSpace(c.endpoint); e != "" {
		return e
	}
	return "https://huggingface.co"
}

// Load opens the model the fields name. Nothing is fetched until the user asks.
func (c *HubForm) Load(event vugu.DOMEvent) {
	event.PreventDefault()
	model := strings.TrimSpace(c.model)
	if model == "" {
		c.Page.fail("type the id of a model on the Hub (org/name) or the address of its page first")
		return
	}
	c.open("Loading "+model+" from the Hub",
		&protocol.HubRequest{Model: model, Revision: strings.TrimSpace(c.revision), Endpoint: strings.TrimSpace(c.endpoint)})
}

// Open opens a kept model, which needs no network.
func (c *HubForm) Open(m protocol.HubModel) {
	c.open("Opening the kept "+m.ID, &protocol.HubRequest{Model: m.ID, Revision: m.Commit, Endpoint: m.Endpoint})
}

func (c *HubForm) open(what string, req *protocol.HubRequest) {
	c.Page.do(what, func() (func(), error) {
		var res protocol.HubModelInfo
		if err := c.Page.call(protocol.OpLoadHubModel, req, &res); err != nil {
			return nil, err
		}
		show, err := c.Models.modelLoaded(hubSource(&res))
		if err != nil {
			return nil, err
		}
		listed := c.list()
		source := hubSource(&res)
		return func() {
			c.keepError = res.KeepError
			listed()
			show()
			c.Models.keepSource(&savedModel{Source: source, Hub: &protocol.HubRequest{Model: res.Hub.ID, Revision: res.Hub.Commit, Endpoint: res.Hub.Endpoint}})
		}, nil
	})
}

// Delete deletes a kept model.
func (c *HubForm) Delete(m protocol.HubModel) {
	c.Page.do("Deleting the kept "+m.ID, func() (func(), error) {
		var res protocol.KeptModels
		req := &protocol.DeleteKeptModelRequest{Endpoint: m.Endpoint, Model: m.ID, Commit: m.Commit}
		if err := c.Page.call(protocol.OpDeleteKeptModel, req, &res); err != nil {
			return nil, err
		}
		return func() { c.showKept(&res) }, nil
	})
}

// list asks the lab for the models it keeps, from a job's goroutine, and returns the function that
// shows them. A failure to list is shown in the list, since it stops nothing else.
func (c *HubForm) list() (show func()) {
	var res protocol.KeptModels
	if err := c.Page.call(protocol.OpKeptModels, nil, &res); err != nil {
		res.Unavailable = err.Error()
	}
	return func() { c.showKept(&res) }
}

func (c *HubForm) showKept(res *protocol.KeptModels) {
	c.kept, c.unavailable = res.Models, res.Unavailable
}

// hubSource says where a model loaded from a Hub came from: its id, the revision asked for and its
// commit, and the Hub.
func hubSource(res *protocol.HubModelInfo) string {
	m := res.Hub
	s := m.ID + ", " + m.Revision + " at " + shortCommit(m.Commit)
	if m.Revision == m.Commit {
		s = m.ID + " at " + shortCommit(m.Commit)
	}
	if res.FromKept {
		s += ", the kept copy"
	}
	return s + ", from " + m.Endpoint
}

// shortCommit is a commit's first seven digits, as git shows it.
func shortCommit(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}

// keptText describes a kept model in the list.
func keptText(m protocol.HubModel) string {
	rev := m.Revision + " at " + shortCommit(m.Commit)
	if m.Revision == m.Commit {
		rev = shortCommit(m.Commit)
	}
	return fmt.Sprintf("%s, %s, from %s", rev, byteSize(m.Bytes), m.Endpoint)
}

// byteSize says n bytes as a person reads them: "950 B", "140 kB", "17.4 MB", "1.23 GB".
func byteSize(n int) string {
	switch f := float64(n); {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000_000:
		return fmt.Sprintf("%.0f kB", f/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%.1f MB", f/1e6)
	default:
		return fmt.Sprintf("%.2f GB", f/1e9)
	}
}
