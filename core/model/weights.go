package model

import "bertology/core/tensor"

// Weights returns the model's parameters under their Hugging Face names, in Hugging Face's shapes and
// layouts: what save_pretrained would write to model.safetensors (tied weights once, under the word
// embeddings' name; pruned layers with their shrunk shapes). The tensors are copies.
func (m *Model) Weights() map[string]*tensor.Tensor {
	e := exporter{}
	m.walk(e)
	return e
}

// exporter is the paramVisitor that copies each parameter out into Hugging Face's layout.
type exporter map[string]*tensor.Tensor

func (e exporter) param(p []float32, name string, _ initKind, shape ...int) {
	e[name] = tensor.FromData(append([]float32(nil), p...), shape...)
}

func (e exporter) linearWeight(w []float32, ldw int, name string, in, out int) {
	t := tensor.New(out, in)
	for i := 0; i < in; i++ {
		row := w[i*ldw : i*ldw+out]
		for o, v := range row {
			t.Data[o*in+i] = v
		}
	}
	e[name] = t
}

// counter is the paramVisitor that counts parameters.
type counter struct{ n int }

func (c *counter) param(_ []float32, _ string, _ initKind, shape ...int) {
	c.n += tensor.NumElements(shape)
}

func (c *counter) linearWeight(_ []float32, _ int, _ string, in, out int) { c.n += in * out }
