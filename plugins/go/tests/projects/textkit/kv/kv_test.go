package kv

import (
	"errors"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := map[string]struct {
		line, key, value string
		wantErr          bool
	}{
		"simple":         {line: "a=1", key: "a", value: "1"},
		"spaces":         {line: " name = gopher ", key: "name", value: "gopher"},
		"missing equals": {line: "oops", wantErr: true},
		"empty value":    {line: "k=", key: "k", value: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k, v, err := ParseLine(tc.line)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseLine(%q) error = %v, wantErr %v", tc.line, err, tc.wantErr)
			}
			if k != tc.key || v != tc.value {
				t.Errorf("ParseLine(%q) = %q, %q", tc.line, k, v)
			}
		})
	}
}

func TestParseAll(t *testing.T) {
	got, err := ParseAll([]string{"# comment", "a=1", "", "b = 2", "a=3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a"] != "3" || got["b"] != "2" {
		t.Errorf("ParseAll = %v", got)
	}
	if _, err := ParseAll([]string{"a=1", "=2"}); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("ParseAll with an empty key: err = %v", err)
	}
}

func TestWindowsLineEndings(t *testing.T) {
	t.Skip("CRLF input is not supported yet")
}
