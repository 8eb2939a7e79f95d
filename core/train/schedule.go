package train

// LinearSchedule is the learning-rate factor of Hugging Face's get_linear_schedule_with_warmup at a
// given step (counted from 0, the first optimiser step): rising linearly from 0 over the warm-up
// steps, then falling linearly to 0 at the last step. As in Hugging Face, the first step of a warm-up
// has factor 0.
func LinearSchedule(step, warmup, total int) float64 {
	if step < warmup {
		return float64(step) / float64(max(1, warmup))
	}
	return max(0, float64(total-step)/float64(max(1, total-warmup)))
}
