package words

import (
	"reflect"
	"testing"
)

func TestCount(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"one word", "go", 1},
		{"two words", "hello world", 2},
		{"extra spaces", "  a   b  c ", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Count(c.in); got != c.want {
				t.Errorf("Count(%q) = %d, want %d", c.in, got, c.want)
			}
		})
	}
}

func TestLongest(t *testing.T) {
	if got := Longest("a bbb cc ddd"); got != "bbb" {
		t.Errorf("Longest = %q, want %q", got, "bbb")
	}
	if got := Longest(""); got != "" {
		t.Errorf("Longest of nothing = %q", got)
	}
}

func TestTop(t *testing.T) {
	t.Parallel()
	got := Top("b a c b A c b", 2)
	if want := []string{"b", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Top = %v, want %v", got, want)
	}
	t.Run("more than there are", func(t *testing.T) {
		if got := Top("x y", 5); len(got) != 2 {
			t.Errorf("Top = %v", got)
		}
	})
}
