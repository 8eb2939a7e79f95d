// Package patching runs a model on a corrupted input with some of its activations copied from a run on
// a clean input (activation patching, Meng et al. 2022; Wang et al. 2022), and with heads ablated, to
// find where a prediction is computed. The inputs are single sequences of the same length; the metric
// is a logit difference (Metric), normalised so that 0 is the corrupted run's and 1 the clean run's.
package patching
