package main

// Signal the harness: SIGKILL the harness's host PID, our parent and init, then PTRACE_ATTACH to the parent;
// report each outcome, and that we are still alive.

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

func init() {
	register("signal_harness", func(arg string) {
		harness, err := strconv.Atoi(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "the harness's PID:", err)
			os.Exit(2)
		}
		targets := []struct {
			name string
			pid  int
		}{{"harness", harness}, {"parent", os.Getppid()}, {"init", 1}}
		for _, t := range targets {
			if err := syscall.Kill(t.pid, syscall.SIGKILL); err != nil {
				fmt.Printf("SIGNAL %s %v\n", t.name, err)
			} else {
				fmt.Printf("SIGNAL %s ok\n", t.name)
			}
		}
		runtime.LockOSThread() // every ptrace request must come from the thread that attached
		parent := os.Getppid()
		if err := syscall.PtraceAttach(parent); err != nil {
			fmt.Println("PTRACE parent", err)
		} else {
			var status syscall.WaitStatus
			syscall.Wait4(parent, &status, syscall.WALL, nil) // the attach stops it; it must be stopped to be detached
			syscall.PtraceDetach(parent)
			fmt.Println("PTRACE parent ok")
		}
		time.Sleep(200 * time.Millisecond)
		fmt.Println("ALIVE")
	})
}
