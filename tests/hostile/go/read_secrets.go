package main

// Read secrets: a file in the harness user's real home, then the environment and command line of every
// process /proc shows: init's, our parent's, the harness's own.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func init() {
	register("read_secrets", func(secret string) {
		if text, err := os.ReadFile(secret); err == nil {
			fmt.Println("SECRET-FILE:" + string(text))
		} else {
			fmt.Fprintln(os.Stderr, "secret file unreadable:", err)
		}
		var pids []string
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, e.Name())
			}
		}
		fmt.Println("PROCS", len(pids))
		seen := map[string]bool{}
		for _, pid := range append([]string{"1", strconv.Itoa(os.Getppid())}, pids...) {
			if seen[pid] {
				continue
			}
			seen[pid] = true
			for _, part := range []string{"environ", "cmdline"} {
				data, err := os.ReadFile("/proc/" + pid + "/" + part)
				if err != nil {
					continue
				}
				text := []rune(strings.ReplaceAll(string(data), "\x00", " "))
				if len(text) > 4000 {
					text = text[:4000]
				}
				fmt.Printf("PROC %s %s: %s\n", pid, part, string(text))
			}
		}
	})
}
