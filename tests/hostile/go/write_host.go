package main

// Write to the host: create a file at each of the comma-separated absolute paths; exit 3 when all are denied.

import (
	"fmt"
	"os"
	"strings"
)

func init() {
	register("write_host", func(paths string) {
		wrote := false
		for _, path := range strings.Split(paths, ",") {
			if err := os.WriteFile(path, []byte("pwned by write_host"), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "write denied: %s: %v\n", path, err)
				continue
			}
			wrote = true
			fmt.Println("WROTE " + path)
		}
		if !wrote {
			os.Exit(3)
		}
	})
}
