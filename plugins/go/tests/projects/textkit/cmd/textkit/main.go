// Command textkit prints word statistics of its standard input.
package main

import (
	"fmt"
	"io"
	"os"

	"example.com/textkit/words"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	text := string(data)
	fmt.Println(words.Count(text), words.Longest(text))
}
