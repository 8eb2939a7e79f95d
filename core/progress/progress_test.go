package progress

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	var got []Report
	f := Throttle(func(r Report) { got = append(got, r) }, time.Hour)
	for done := range 6 {
		f.Phase("a").Send(Report{Done: done, Total: 5})
	}
	f.Send(Report{Phase: "b", Done: 3, Total: 5}) // a new phase always gets through
	want := []Report{
		{Phase: "a", Done: 0, Total: 5}, {Phase: "a", Done: 1, Total: 5},
		{Phase: "a", Done: 5, Total: 5}, {Phase: "b", Done: 3, Total: 5},
	}
	if len(got) != len(want) {
		t.Fatalf("reports %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("report %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestNil(t *testing.T) {
	var f Func
	f.Send(Report{Done: 1}) // no panic
	if f.Phase("x") != nil || Throttle(nil, time.Second) != nil {
		t.Error("a nil Func should stay nil")
	}
}
