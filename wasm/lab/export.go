package lab

import (
	"bytes"
	"context"
	"fmt"

	"bertology/core/checkpoint"
	"bertology/core/f64"
	"bertology/core/npy"
	"bertology/wasm/protocol"
)

// ExportModel encodes the loaded model, pruned or not, as the files of a Hugging Face model directory.
func (l *Lab) ExportModel(ctx context.Context, req *protocol.ExportModelRequest, report Reporter) (*protocol.ExportedFiles, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	dtype := req.DType
	if dtype == "" {
		dtype = "F32"
	}
	report(protocol.Progress{Phase: "encoding the model", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files, err := checkpoint.Files(l.model.checkpoint(), dtype)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "encoding the model", Done: 1, Total: 1})
	return &protocol.ExportedFiles{Files: files}, nil
}

// ExportNpy encodes importance, entropy or a head mask as run_bertology.py saves them.
func (l *Lab) ExportNpy(_ context.Context, req *protocol.ExportNpyRequest, _ Reporter) (*protocol.ExportedFiles, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	l.syncWorkflow()
	layers, heads := l.model.model.Shape()
	var name string
	var data []float32
	switch req.What {
	case "importance", "entropy":
		imp := l.work.importance
		if imp == nil {
			return nil, errNoImportance
		}
		name, data = "head_importance.npy", f64.ToFloat32(imp.Importance)
		if req.What == "entropy" {
			name, data = "attn_entropy.npy", f64.ToFloat32(imp.Entropy)
		}
	case "mask":
		name, data = "head_mask.npy", req.HeadMask
		if len(data) == 0 {
			data = l.work.finalMask
		}
		if len(data) == 0 {
			return nil, fmt.Errorf("no head mask: give headMask, or run the masking loop first")
		}
		if len(data) != layers*heads {
			return nil, fmt.Errorf("headMask has %d values, the model has %d layers × %d heads", len(data), layers, heads)
		}
	default:
		return nil, fmt.Errorf("what is %q; want importance, entropy or mask", req.What)
	}
	var b bytes.Buffer
	if err := npy.Write(&b, []int{layers, heads}, data); err != nil {
		return nil, err
	}
	return &protocol.ExportedFiles{Files: map[string][]byte{name: b.Bytes()}}, nil
}
