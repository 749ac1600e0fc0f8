package wordcount

import (
	"reflect"
	"testing"
)

func TestWordsSplitsOnPunctuation(t *testing.T) {
	got := Words("Hello, world!")
	if !reflect.DeepEqual(got, []string{"hello", "world"}) {
		t.Fatalf("Words = %q", got)
	}
}

func TestWordsKeepsApostrophes(t *testing.T) {
	got := Words("don't stop")
	if !reflect.DeepEqual(got, []string{"don't", "stop"}) {
		t.Fatalf("Words = %q", got)
	}
}

func TestCounts(t *testing.T) {
	c := Counts("the cat and the hat")
	if c["the"] != 2 || len(c) != 4 {
		t.Fatalf("Counts = %v", c)
	}
}

func TestTopBreaksTiesAlphabetically(t *testing.T) {
	got := Top("d b a b c a b d", 3)
	want := []Count{{"b", 3}, {"a", 2}, {"d", 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Top = %v, want %v", got, want)
	}
}
