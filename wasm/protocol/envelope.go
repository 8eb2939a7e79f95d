package protocol

import "fmt"

// NewRequest builds the request tree {op, id, ...fields of req}. req is a request struct, or nil for
// an op without fields.
func NewRequest(op string, id int, req any) map[string]any {
	m, _ := Encode(req).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m["op"] = op
	m["id"] = float64(id)
	return m
}

// SplitRequest takes a request tree apart into its op, its id (0 when absent) and its remaining fields,
// which Decode then reads into the op's request struct.
func SplitRequest(tree any) (op string, id int, fields map[string]any, err error) {
	m, ok := tree.(map[string]any)
	if !ok {
		return "", 0, nil, fmt.Errorf("request: want an object {op, ...}, got %s", KindOf(tree))
	}
	op, ok = m["op"].(string)
	if !ok {
		return "", 0, nil, fmt.Errorf("request: op: want a string naming the operation, got %s", KindOf(m["op"]))
	}
	fields = make(map[string]any, len(m))
	for k, v := range m {
		if k != "op" && k != "id" {
			fields[k] = v
		}
	}
	var envelope struct {
		ID int `js:"id"`
	}
	if err := Decode(map[string]any{"id": m["id"]}, &envelope); err != nil {
		return "", 0, nil, fmt.Errorf("request %s: %w", op, err)
	}
	return op, envelope.ID, fields, nil
}
