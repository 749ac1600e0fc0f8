package main

// Daemon: start `sleep ARG` in a new session and exit at once, hoping it outlives us.

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func init() {
	register("daemon", func(seconds string) {
		cmd := exec.Command("sleep", seconds)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "spawn:", err)
			os.Exit(1)
		}
		fmt.Println("DAEMON started")
	})
}
