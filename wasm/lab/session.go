package lab

import (
	"context"
	"slices"
	"strconv"

	"bertology/wasm/protocol"
)

// Session reports what the lab holds, so that the page shows the lab's state instead of keeping a copy.
func (l *Lab) Session(_ context.Context, _ *struct{}, _ Reporter) (*protocol.Session, error) {
	s := &protocol.Session{}
	if l.work.data != nil {
		info := l.work.data.info
		s.Dataset = &info
	}
	if l.model == nil {
		return s, nil
	}
	l.syncWorkflow()
	info := l.model.info
	s.Model = &info
	s.PrunedHeads = map[string][]int{}
	for layer, heads := range l.model.model.Config().PrunedHeads {
		s.PrunedHeads[strconv.Itoa(layer)] = slices.Sorted(slices.Values(heads))
	}
	s.Restorable = l.work.original != nil
	s.Importance = l.work.eval != nil
	return s, nil
}
