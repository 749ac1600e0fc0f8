package main

// Read the host: dump the environment, list HOME, and read a host file outside the workspace.

import (
	"fmt"
	"os"
)

func init() {
	register("read_host", func(canary string) {
		for _, kv := range os.Environ() {
			fmt.Println("ENV " + kv)
		}
		home, _ := os.UserHomeDir()
		var names []string
		if entries, err := os.ReadDir(home); err == nil {
			for _, e := range entries {
				names = append(names, e.Name())
			}
		}
		fmt.Println("HOME", home, names)
		if text, err := os.ReadFile(canary); err == nil {
			fmt.Println("CANARY:" + string(text))
		} else {
			fmt.Println("canary unreadable:", err)
		}
	})
}
