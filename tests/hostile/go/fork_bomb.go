package main

// Fork bomb: spawn lingering children until the process limit stops us.

import (
	"fmt"
	"os"
	"os/exec"
)

func init() {
	register("fork_bomb", func(string) {
		for n := 0; ; n++ {
			if err := exec.Command("sleep", "60").Start(); err != nil {
				fmt.Fprintf(os.Stderr, "spawn failed after %d children: %v\n", n, err)
				os.Exit(1)
			}
		}
	})
}
