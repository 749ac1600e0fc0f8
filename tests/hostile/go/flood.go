package main

// Output flood on stdout or stderr.

import (
	"bytes"
	"os"
)

func flood(out *os.File, fill byte) {
	line := append(bytes.Repeat([]byte{fill}, 65535), '\n')
	for {
		if _, err := out.Write(line); err != nil {
			os.Exit(1)
		}
	}
}

func init() {
	register("flood_stdout", func(string) { flood(os.Stdout, 'x') })
	register("flood_stderr", func(string) { flood(os.Stderr, 'e') })
}
