package main

// Leftover: exit at once and leave two loopers behind (Go cannot fork: it re-runs itself as the hidden case
// leftover_loop, stdio on /dev/null): one in its own session ignoring SIGTERM and SIGHUP, one ignoring SIGTERM.

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func init() {
	register("leftover", func(string) {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, how := range []string{"session", "child"} {
			cmd := exec.Command(self, "leftover_loop", how)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: how == "session"}
			if err := cmd.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "spawn:", err)
				os.Exit(1)
			}
		}
		fmt.Println("LEFTOVER started")
	})
	register("leftover_loop", func(how string) {
		signal.Ignore(syscall.SIGTERM)
		if how == "session" {
			signal.Ignore(syscall.SIGHUP)
		}
		for {
			time.Sleep(time.Second)
		}
	})
}
