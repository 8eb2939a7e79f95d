package main

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/vugu/vugu"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// neuronView is the neuron view's state: the head (layer, and head by its number before pruning) and
// query token shown, and the lab's queries op for that head on the input of result.
type neuronView struct {
	layer, head, token int
	of                 *protocol.ForwardResult // the result the queries are of
	queries            *protocol.QueriesResult
	svg                string
}

// neuronStale reports whether the neuron view's queries are not those of the current result's head.
func (c *Root) neuronStale() bool {
	n := &c.neuron
	return c.result != nil && (n.of != c.result || n.queries == nil || n.queries.Layer != n.layer || n.queries.Head != n.head)
}

// fetchNeuron asks the lab for the neuron view's head on the current input, unless it has it.
func (c *Root) fetchNeuron() {
	if !c.neuronStale() || c.working() {
		c.drawNeuron()
		return
	}
	n := &c.neuron
	if n.layer >= len(c.result.Attentions) {
		n.layer = 0
	}
	if len(c.headNumbers(n.layer)) == 0 { // a layer pruned of every head: the first that has some
		n.layer = slices.IndexFunc(c.layers(), func(l int) bool { return len(c.headNumbers(l)) > 0 })
		if n.layer < 0 {
			n.layer = 0
			return
		}
	}
	if c.headIndex(n.layer, n.head) < 0 {
		n.head = c.headNumbers(n.layer)[0]
	}
	n.token = min(n.token, len(c.result.Tokens)-1)
	of := c.result
	req := &protocol.QueriesRequest{IDs: of.IDs, TypeIDs: of.TypeIDs, HeadMask: c.heads.forInput(), Layer: n.layer, Head: n.head}
	c.do("Computing the neuron view", func() (func(), error) {
		var res protocol.QueriesResult
		if err := c.call(protocol.OpQueries, req, &res); err != nil {
			return nil, err
		}
		return func() {
			n.of, n.queries = of, &res
			c.drawNeuron()
		}, nil
	})
}

// drawNeuron draws the neuron view of its token from the queries it holds.
func (c *Root) drawNeuron() {
	n := &c.neuron
	n.svg = ""
	q := n.queries
	if q == nil || c.neuronStale() {
		return
	}
	t, hd := len(q.Tokens), q.Queries.Shape[1]
	i := min(n.token, t-1)
	v := &chart.NeuronView{Layer: q.Layer, Head: q.Head, Of: c.headsBefore(), Tokens: q.Tokens, Token: i,
		Query: q.Queries.Data[i*hd : (i+1)*hd], Keys: q.Keys.Data, Scores: q.Scores.Data[i*t : (i+1)*t],
		Probs: q.Probs.Data[i*t : (i+1)*t], Scale: q.Scale, Causal: q.Causal}
	n.svg = c.draw(v)
}

// SetNeuron follows the neuron view's layer, head and token selectors (which="layer", "head", "token").
func (c *Root) SetNeuron(which string, event vugu.DOMEvent) {
	v, err := strconv.Atoi(event.PropString("target", "value"))
	if err != nil || c.result == nil {
		return
	}
	n := &c.neuron
	switch which {
	case "layer":
		if v >= 0 && v < len(c.result.Attentions) {
			n.layer = v
		}
	case "head":
		n.head = v
	case "token":
		if v >= 0 && v < len(c.result.Tokens) {
			n.token = v
		}
	}
	c.fetchNeuron()
}

// neuronHeads are the heads the neuron view's layer keeps, by their numbers before pruning.
func (c *Root) neuronHeads() []int {
	if c.result == nil {
		return nil
	}
	return c.headNumbers(min(c.neuron.layer, len(c.result.Attentions)-1))
}

// neuronTokens are the input's tokens as the views show them, numbered.
func (c *Root) neuronTokens() []string {
	if c.result == nil {
		return nil
	}
	out := chart.PrettyTokens(c.result.Tokens)
	for i, t := range out {
		out[i] = fmt.Sprintf("%d: %s", i, t)
	}
	return out
}
