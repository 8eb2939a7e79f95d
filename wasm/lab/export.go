package lab

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

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

// ExportZip puts what the session computed in one zip file, built with archive/zip: the model's files
// (ExportModel), the .npy files (ExportNpy) and report.json (protocol.ExportReport).
func (l *Lab) ExportZip(ctx context.Context, req *protocol.ExportZipRequest, report Reporter) (*protocol.ExportedFiles, error) {
	modelFiles, err := l.ExportModel(ctx, &protocol.ExportModelRequest{DType: req.DType}, report)
	if err != nil {
		return nil, err
	}
	session, err := l.Session(ctx, nil, report)
	if err != nil {
		return nil, err
	}
	rep := protocol.ExportReport{Session: *session}
	files := map[string][]byte{}
	for name, data := range modelFiles.Files {
		files["model/"+name] = data
	}
	if imp := l.work.importance; imp != nil {
		rep.Importance, rep.Entropy = f64.ToFloat32(imp.Importance), f64.ToFloat32(imp.Entropy)
		if rep.Evaluation, err = l.work.eval.evaluationOf(imp); err != nil {
			return nil, err
		}
		for _, what := range []string{"importance", "entropy", "mask"} {
			npyFiles, err := l.ExportNpy(ctx, &protocol.ExportNpyRequest{What: what, HeadMask: req.HeadMask}, report)
			if what == "mask" && err != nil && len(req.HeadMask) == 0 && l.work.finalMask == nil {
				continue // no mask to save
			}
			if err != nil {
				return nil, err
			}
			maps.Copy(files, npyFiles.Files)
		}
		rep.HeadMask = req.HeadMask
		if len(rep.HeadMask) == 0 {
			rep.HeadMask = l.work.finalMask
		}
	}
	if files["report.json"], err = json.MarshalIndent(protocol.Encode(&rep), "", "\t"); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &protocol.ExportedFiles{Files: map[string][]byte{protocol.ExportZipName: b.Bytes()}}, nil
}
