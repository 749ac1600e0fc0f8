// Command hostile runs one hostile case: `hostile CASE ARG`.  Each case lives in its own file and
// registers itself in init; only the standard library is used, so it builds offline.
package main

import (
	"fmt"
	"os"
)

var cases = map[string]func(arg string){
	"ok": func(string) { fmt.Println("ok") },
}

func register(name string, run func(arg string)) { cases[name] = run }

func main() {
	name, arg := "", ""
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	run, ok := cases[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown case %q\n", name)
		os.Exit(2)
	}
	run(arg)
}
