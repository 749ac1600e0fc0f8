package main

// Kill the parent, every process we may signal, then our own process group.

import (
	"fmt"
	"os"
	"syscall"
)

func init() {
	register("kill_parent", func(string) {
		for _, target := range []int{os.Getppid(), -1, 0} {
			if err := syscall.Kill(target, syscall.SIGKILL); err != nil {
				fmt.Printf("kill(%d) refused: %v\n", target, err)
			}
		}
		fmt.Println("SURVIVED")
	})
}
