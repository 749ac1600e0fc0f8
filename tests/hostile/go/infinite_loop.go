package main

// Infinite loop: burn CPU until the wall-clock timeout.

var spins uint64

func init() {
	register("infinite_loop", func(string) {
		for {
			spins++
		}
	})
}
