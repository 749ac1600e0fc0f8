package main

// Memory bomb: keep allocating 16 MiB blocks, every byte written.

var kept [][]byte

func init() {
	register("memory_bomb", func(string) {
		for {
			block := make([]byte, 16<<20)
			for i := range block {
				block[i] = 1
			}
			kept = append(kept, block)
		}
	})
}
