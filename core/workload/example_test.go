package workload_test

import (
	"bufio"
	"fmt"
	"strings"

	"packcourse/core/workload"
)

// A Logs stream is JSON lines; here is the first line of a 1 GiB log file,
// generated without ever holding the file in memory.
func ExampleNew() {
	lines := bufio.NewScanner(workload.New(workload.Logs, 1<<30, 1))
	lines.Scan()
	fmt.Println(lines.Text())
	// Output:
	// {"ts":"2024-09-09T13:54:55.095Z","level":"info","service":"inventory","msg":"search served","request_id":"fac2fdd130244875","user_id":19,"status":200,"latency_ms":976}
}

// Text is prose built from common English words: meaningless, but with
// the word and phrase frequencies that make it compress like a book. Bytes
// gives the same bytes as New, in one slice.
func ExampleBytes() {
	start := string(workload.Bytes(workload.Text, 80, 1))
	fmt.Println(strings.Join(strings.Fields(start)[:8], " "))
	// Output:
	// Party they the of the? Top happy brought
}

// A corpus is one huge Mixed file plus many small files of varied kinds
// and sizes; WriteFiles puts it on disk.
func ExampleCorpus() {
	for _, f := range workload.Corpus(1, 100<<20, 4, 64<<10) {
		fmt.Printf("%-14s %9d bytes of %s\n", f.Name, f.Size, f.Kind)
	}
	// Output:
	// huge.bin       104857600 bytes of mixed
	// small/0001.log     16484 bytes of logs
	// small/0002.log         1 bytes of logs
	// small/0003.log         3 bytes of logs
	// small/0004.log         1 bytes of logs
}
