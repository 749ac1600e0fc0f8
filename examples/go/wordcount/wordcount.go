// Package wordcount counts the words of a text, lowercased.
package wordcount

import (
	"sort"
	"strings"
	"unicode"
)

// Words returns the words of text: runs of letters, digits and apostrophes, lowercased.
func Words(text string) []string {
	parts := strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'')
	})
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, strings.ToLower(p))
	}
	return out
}

// Counts returns how often each word of text occurs.
func Counts(text string) map[string]int {
	out := map[string]int{}
	for _, w := range Words(text) {
		out[w]++
	}
	return out
}

// Count is a word with how often it occurs.
type Count struct {
	Word string
	N    int
}

// Top returns the n most frequent words, most frequent first; ties in alphabetical order.
func Top(text string, n int) []Count {
	counts := Counts(text)
	all := []Count{}
	for _, w := range Words(text) { // first occurrences, in order
		if c, ok := counts[w]; ok {
			all = append(all, Count{w, c})
			delete(counts, w)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		return all[i].N > all[j].N
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}
