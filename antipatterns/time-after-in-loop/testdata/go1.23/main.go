// Command timers waits for 100,000 frames, each with a select that also
// has a one-hour timeout from time.After, as a writer loop does. Every
// frame arrives at once, so no timer ever fires. It then collects garbage
// and prints how many heap objects the loop left behind. This same file is
// built in a go 1.22 module and in a go 1.23 module.
package main

import (
	"fmt"
	"runtime"
	"time"
)

func main() {
	frames := make(chan int, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 100_000 {
		frames <- i
		select {
		case <-frames:
		case <-time.After(time.Hour):
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := int64(after.HeapObjects) - int64(before.HeapObjects)
	fmt.Printf("heap objects left by 100000 unfired timers: %d\n", retained)
	if retained > 50_000 {
		fmt.Println("verdict: leaked (each timer stays until it fires, an hour from now)")
	} else {
		fmt.Println("verdict: collected (unreferenced timers are garbage)")
	}
}
