package main

// Network: open a TCP connection to a public address; exit 3 with the error when denied.

import (
	"fmt"
	"net"
	"os"
	"time"
)

func init() {
	register("network", func(string) {
		conn, err := net.DialTimeout("tcp", "1.1.1.1:80", 3*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "network denied: %v\n", err)
			os.Exit(3)
		}
		conn.Close()
		fmt.Println("CONNECTED")
	})
}
