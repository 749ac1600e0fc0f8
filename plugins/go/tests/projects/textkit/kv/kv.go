// Package kv parses "key=value" lines.
package kv

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEmptyKey is returned for a line whose key is blank.
var ErrEmptyKey = errors.New("empty key")

// ParseLine splits one "key=value" line; spaces around key and value are trimmed.
func ParseLine(line string) (string, string, error) {
	i := strings.IndexByte(line, '=')
	if i < 0 {
		return "", "", fmt.Errorf("missing '=' in %q", line)
	}
	key := strings.TrimSpace(line[:i])
	if key == "" {
		return "", "", ErrEmptyKey
	}
	return key, strings.TrimSpace(line[i+1:]), nil
}

// ParseAll parses every non-blank line that is not a comment (#); later keys win.
func ParseAll(lines []string) (map[string]string, error) {
	out := make(map[string]string, len(lines))
	for n, line := range lines {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, err := ParseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		out[k] = v
	}
	return out, nil
}
