package progress

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
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

func TestReader(t *testing.T) {
	var got []Report
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, iotest.OneByteReader(strings.NewReader("abc")), 3, func(r Report) { got = append(got, r) })
	b := make([]byte, 2)
	for range 2 {
		if n, err := r.Read(b); n != 1 || err != nil {
			t.Fatalf("read %d bytes, %v", n, err)
		}
	}
	want := []Report{{Done: 1, Total: 3}, {Done: 2, Total: 3}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("reports %+v, want %+v", got, want)
	}
	cancel()
	if n, err := r.Read(b); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("after a cancel: read %d bytes, %v; want 0, context.Canceled", n, err)
	}

	got = nil
	all, err := io.ReadAll(Reader(context.Background(), strings.NewReader("abc"), -1, func(r Report) { got = append(got, r) }))
	if string(all) != "abc" || err != nil || len(got) != 0 {
		t.Errorf("of an unknown length: read %q, %v, reports %+v; want abc, no error, no reports", all, err, got)
	}
}
