package main

// reason is one condition under which a control cannot apply, and why, in words.
type reason struct {
	when bool
	why  string
}

// whyNot is why a control cannot apply to the loaded model or to the page's state: the first reason
// whose condition holds, or "" when none does. A template disables the control when it is not "",
// gives it as the control's title and shows it beside the control, short (span.why), so that a
// disabled control says what it waits for. A running job disables the controls besides, without a
// note: the status bar says what runs.
func whyNot(reasons ...reason) string {
	for _, r := range reasons {
		if r.when {
			return r.why
		}
	}
	return ""
}
