package main

// Setuid: run a setuid-root copy of `id` to gain root; no_new_privs or a nosuid mount would stop it.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func init() {
	register("setuid", func(id string) {
		nnp := "?"
		if status, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, line := range strings.Split(string(status), "\n") {
				if strings.HasPrefix(line, "NoNewPrivs:") {
					nnp = strings.TrimSpace(strings.TrimPrefix(line, "NoNewPrivs:"))
				}
			}
		}
		fmt.Println("NNP " + nnp)
		out, err := exec.Command(id, "-u").Output()
		var exited *exec.ExitError
		if err != nil && !errors.As(err, &exited) {
			fmt.Fprintln(os.Stderr, "exec denied:", err)
			os.Exit(3)
		}
		fmt.Println("EUID " + strings.TrimSpace(string(out)))
	})
}
