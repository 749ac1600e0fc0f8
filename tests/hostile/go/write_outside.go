package main

// Write outside the workspace: overwrite a host file.

import (
	"fmt"
	"os"
)

func init() {
	register("write_outside", func(path string) {
		if err := os.WriteFile(path, []byte("pwned by write_outside"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "write denied:", err)
			os.Exit(1)
		}
		fmt.Println("WROTE")
	})
}
