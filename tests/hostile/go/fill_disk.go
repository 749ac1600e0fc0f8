package main

// Fill the disk: append 1 MiB blocks to one file until something stops us.

import (
	"fmt"
	"os"
)

func init() {
	register("fill_disk", func(string) {
		f, err := os.Create("fill.bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		block := make([]byte, 1<<20)
		for {
			if _, err := f.Write(block); err != nil {
				fmt.Fprintln(os.Stderr, "write failed:", err)
				os.Exit(1)
			}
		}
	})
}
