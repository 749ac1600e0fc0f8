package kv_test

import (
	"fmt"

	"example.com/textkit/kv"
)

func ExampleParseLine() {
	k, v, _ := kv.ParseLine("lang = go")
	fmt.Println(k, v)
	// Output: lang go
}
