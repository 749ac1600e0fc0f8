package main

// Delete the workspace: remove everything in the working directory, then the directory itself.

import (
	"fmt"
	"os"
	"path/filepath"
)

func init() {
	register("delete_workspace", func(string) {
		cwd, _ := os.Getwd()
		entries, _ := os.ReadDir(cwd)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(cwd, e.Name()))
		}
		if err := os.Remove(cwd); err != nil {
			fmt.Println("rmdir refused:", err)
		}
		fmt.Println("DELETED")
	})
}
