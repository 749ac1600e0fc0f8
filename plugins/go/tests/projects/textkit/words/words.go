// Package words computes small statistics over text.
package words

import (
	"sort"
	"strings"
)

// Count returns the number of whitespace-separated words in s.
func Count(s string) int {
	return len(strings.Fields(s))
}

// Longest returns the first longest word of s, or "" when s has no words.
func Longest(s string) string {
	best := ""
	for _, w := range strings.Fields(s) {
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

// Frequencies counts each lower-cased word of s.
func Frequencies(s string) map[string]int {
	freq := make(map[string]int)
	for _, w := range strings.Fields(s) {
		freq[strings.ToLower(w)]++
	}
	return freq
}

// Top returns the n most frequent words of s, most frequent first, ties in alphabetical order.
func Top(s string, n int) []string {
	freq := Frequencies(s)
	words := make([]string, 0, len(freq))
	for w := range freq {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if freq[words[i]] != freq[words[j]] {
			return freq[words[i]] > freq[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > n {
		words = words[:n]
	}
	return words
}
