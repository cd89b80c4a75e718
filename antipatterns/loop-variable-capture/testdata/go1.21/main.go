// Command tasks builds one task per chunk in a loop and runs them after
// the loop. Each task's closure refers to the loop variable c. Whether
// that is one variable for the whole loop or one per iteration depends on
// the go line in go.mod: this same file is built in a go 1.21 module and in
// a go 1.22 module.
package main

import "fmt"

type chunk struct{ index int }

func main() {
	chunks := []chunk{{0}, {1}, {2}}
	var tasks []func() int
	for _, c := range chunks {
		tasks = append(tasks, func() int { return c.index })
	}
	fmt.Print("frames from chunks:")
	for _, task := range tasks {
		fmt.Print(" ", task())
	}
	fmt.Println()
}
