// Package train trains and fine-tunes the models of core/model, so that bertology can ship small
// models of its own (no pretrained weights can be downloaded where it is built) and its users can
// fine-tune a pruned model to win back what pruning cost.
//
// It follows Hugging Face's Trainer: AdamW without decay on biases and LayerNorm parameters, a linear
// learning-rate warm-up and decay, global gradient-norm clipping, shuffled batches (optionally grouped
// by length) and an evaluation after every epoch. Dropout is off (core/model has none), so a model
// trained here is a little more prone to overfit than one trained by transformers with the same
// settings. Everything is deterministic for a given seed.
package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"bertology/core/model"
	"bertology/core/progress"
)

// Options are the settings of a training run, named after Hugging Face's TrainingArguments.
type Options struct {
	Epochs       int
	BatchSize    int
	LearningRate float64
	// WarmupSteps is the number of steps the learning rate rises over; when it is 0, WarmupRatio of
	// all the steps.
	WarmupSteps int
	WarmupRatio float64
	WeightDecay float64
	// MaxGradNorm clips the global gradient norm; 0 or less does not clip.
	MaxGradNorm float64
	// GroupByLength sorts the shuffled examples by length in chunks, for batches with little padding.
	GroupByLength bool
	Seed          uint64
	// PadID is the token id padding uses (the tokenizer's PadID).
	PadID int

	// Evaluate, when set, scores the model after each epoch.
	Evaluate Evaluator
	// Progress, when set, is told after every step the steps done, the steps in all, and the mean
	// training loss of the epoch so far, in phase "training".
	Progress progress.Func
	// EpochEnd, when set, is called after each epoch's evaluation, for example to save the model; an
	// error it returns stops the training.
	EpochEnd func(EpochResult) error
}

// EpochResult is what one epoch did.
type EpochResult struct {
	Epoch     int // from 1
	Steps     int // optimiser steps so far, all epochs
	TrainLoss float64
	// Metrics are the evaluation's, nil without Options.Evaluate.
	Metrics map[string]float64
}

// Train trains m in place on examples (single unpadded sequences, from dataset.ClassificationSequences
// or dataset.LanguageModelSequences) and returns each epoch's result. Each step pads a batch of
// examples to its longest (model.Collate), computes the loss and its gradient with ForwardBackward,
// clips the gradient and takes an AdamW step at the scheduled learning rate. It stops after the step
// during which ctx is cancelled.
func Train(ctx context.Context, m *model.Model, examples []*model.Batch, opt Options) ([]EpochResult, error) {
	switch {
	case len(examples) == 0:
		return nil, errors.New("train: no training examples")
	case opt.Epochs <= 0 || opt.BatchSize <= 0:
		return nil, fmt.Errorf("train: epochs (%d) and batch size (%d) must be positive", opt.Epochs, opt.BatchSize)
	case opt.LearningRate <= 0:
		return nil, fmt.Errorf("train: the learning rate must be positive, not %g", opt.LearningRate)
	case m.Head() == model.NoHead:
		return nil, errors.New("train: the model has no head, hence no loss to train on")
	}
	perEpoch := (len(examples) + opt.BatchSize - 1) / opt.BatchSize
	total := opt.Epochs * perEpoch
	warmup := opt.WarmupSteps
	if warmup == 0 {
		warmup = int(math.Ceil(opt.WarmupRatio * float64(total))) // TrainingArguments.get_warmup_steps
	}
	optimizer := NewAdamW(opt.WeightDecay)
	grad := m.NewWeightGradient()
	r := rand.New(rand.NewPCG(opt.Seed, 0x73687566)) // "shuf"
	var results []EpochResult
	for epoch := 1; epoch <= opt.Epochs; epoch++ {
		order := epochOrder(r, examples, opt.BatchSize, opt.GroupByLength)
		var lossSum float64
		batch := make([]*model.Batch, 0, opt.BatchSize)
		for i := 0; i < perEpoch; i++ {
			batch = batch[:0]
			for _, k := range order[i*opt.BatchSize : min((i+1)*opt.BatchSize, len(order))] {
				batch = append(batch, examples[k])
			}
			lr := opt.LearningRate * LinearSchedule(optimizer.Steps(), warmup, total)
			loss, err := step(m, optimizer, grad, m.Collate(batch, 0, opt.PadID), opt.MaxGradNorm, lr)
			if err != nil {
				return results, fmt.Errorf("train: epoch %d, step %d: %w", epoch, i+1, err)
			}
			lossSum += float64(loss)
			opt.Progress.Send(progress.Report{Phase: "training", Done: optimizer.Steps(), Total: total, Loss: lossSum / float64(i+1)})
			if err := ctx.Err(); err != nil {
				return results, err
			}
		}
		res := EpochResult{Epoch: epoch, Steps: optimizer.Steps(), TrainLoss: lossSum / float64(perEpoch)}
		if opt.Evaluate != nil {
			metrics, err := opt.Evaluate(m)
			if err != nil {
				return results, fmt.Errorf("train: evaluation after epoch %d: %w", epoch, err)
			}
			res.Metrics = metrics
		}
		results = append(results, res)
		if opt.EpochEnd != nil {
			if err := opt.EpochEnd(res); err != nil {
				return results, err
			}
		}
	}
	return results, nil
}

// step is one training step on batch b: the loss and its gradient, added to grad once zeroed (so that
// the gradient's memory serves every step), the gradient clipped to maxGradNorm and an AdamW step at
// learning rate lr. It returns the batch's loss, and fails, changing no weight, on a loss that is not
// finite.
func step(m *model.Model, o *AdamW, grad *model.WeightGradient, b *model.Batch, maxGradNorm, lr float64) (float32, error) {
	grad.Zero()
	out, _, err := m.ForwardBackward(b, model.Options{LossOnly: true}, model.GradOptions{Into: grad})
	if err != nil {
		return 0, err
	}
	if math.IsNaN(float64(out.Loss)) || math.IsInf(float64(out.Loss), 0) {
		return 0, fmt.Errorf("the loss is %v; lower the learning rate", out.Loss)
	}
	ClipGradNorm(grad, maxGradNorm)
	return out.Loss, o.Step(m, grad, lr)
}
