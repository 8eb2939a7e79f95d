package chart

import (
	"strings"
	"testing"
)

// TestModelViewNumbersPrunedHeads draws a model pruned to head 1 of layer 0 and heads 0 and 1 of layer
// 1: each map sits in its head's own column, by its original number, and the pruned head is a grey box.
func TestModelViewNumbersPrunedHeads(t *testing.T) {
	v := &ModelView{Tokens: 3, Weights: [][]float32{weights3[9:], weights3}, Heads: []int{1, 2},
		Numbers: [][]int{{1}, {0, 1}}, Of: 2, Thumb: 30}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	var got []string
	for _, th := range root.find("g", "thumb") {
		x := th.find("g", "cells")[0].find("rect", "")[0].attr("x")
		got = append(got, th.attr("data-layer")+"/"+th.attr("data-head")+"@"+x)
	}
	// Columns start at 60 and step by 30 + 8.
	if want := "0/1@98 1/0@60 1/1@98"; strings.Join(got, " ") != want {
		t.Errorf("maps %q, want %q", strings.Join(got, " "), want)
	}
	pruned := root.find("g", "pruned")
	if len(pruned) != 1 || pruned[0].attr("data-layer") != "0" || pruned[0].attr("data-head") != "0" {
		t.Errorf("%d pruned boxes, want layer 0 head 0 alone", len(pruned))
	}
	v.Numbers = [][]int{{1}}
	if _, err := v.SVG(); err == nil {
		t.Error("numbers of one layer for two: no error")
	}
}

// TestHeadViewNumbers labels a pruned layer's heads 1 and 3 of 4 by their numbers and colours.
func TestHeadViewNumbers(t *testing.T) {
	v := &HeadView{Tokens: []string{"a", "b", "c"}, Heads: 2, Numbers: []int{1, 3}, Of: 4,
		Weights: weights3, Selected: []int{0, 1}, Focus: -1}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	heads := parseSVG(t, s).find("g", "head")
	if len(heads) != 2 || heads[0].attr("data-head") != "1" || heads[1].attr("data-head") != "3" ||
		heads[0].attr("stroke") != HeadColor(1, 4) || heads[1].attr("stroke") != HeadColor(3, 4) {
		t.Errorf("heads drawn %v", heads)
	}
	v.Numbers = []int{1}
	if _, err := v.SVG(); err == nil {
		t.Error("one number for two heads: no error")
	}
}

// TestConfusion draws a 2 × 2 confusion matrix: a cell per label and prediction with its count, its
// share of the label in the tooltip, and the selected cell outlined.
func TestConfusion(t *testing.T) {
	c := &Confusion{Classes: []string{"negative", "positive"}, Counts: [][]int{{3, 1}, {0, 4}}, Selected: [2]int{0, 1}, Cell: 40}
	s, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	cells := root.find("g", "cell")
	if len(cells) != 4 {
		t.Fatalf("%d cells, want 4", len(cells))
	}
	want := []string{"0/0 3 label negative, predicted negative (right): 3 examples, 75.0% of label negative",
		"0/1 1 label negative, predicted positive (wrong): 1 examples, 25.0% of label negative",
		"1/0 0 label positive, predicted negative (wrong): 0 examples, 0.0% of label positive",
		"1/1 4 label positive, predicted positive (right): 4 examples, 100.0% of label positive"}
	for k, cell := range cells {
		got := cell.attr("data-label") + "/" + cell.attr("data-predicted") + " " + cell.find("text", "count")[0].Text + " " + cell.find("title", "")[0].Text
		if !strings.HasPrefix(got, want[k]) {
			t.Errorf("cell %d: %q, want %q…", k, got, want[k])
		}
	}
	if sel := root.find("rect", "selected"); len(sel) != 1 || sel[0].attr("x") == "" {
		t.Errorf("%d selected outlines, want 1", len(sel))
	}
	if len(root.find("g", "legend")) != 1 {
		t.Error("no legend")
	}
	for _, bad := range []*Confusion{
		{Classes: []string{"a", "b"}, Counts: [][]int{{1, 2}}, Cell: 40},
		{Classes: []string{"a", "b"}, Counts: [][]int{{1, 2}, {3}}, Cell: 40},
		{Classes: []string{"a"}, Counts: [][]int{{1}}},
	} {
		if _, err := bad.SVG(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
