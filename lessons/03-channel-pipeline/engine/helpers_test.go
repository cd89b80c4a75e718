package engine_test

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
)

// fast are the proof tests' options: the suite's small chunks at DEFLATE
// level 1, which keeps 256-chunk runs quick under the race detector. No
// figure the tests check depends on the level.
var fast = codec.Options{ChunkSize: pipetest.ChunkSize, Level: 1}

// packMustMatchOracle packs data with e into dst (which must end in buf)
// and fails the test unless it succeeds and writes want, the oracle's
// bytes.
func packMustMatchOracle(t *testing.T, e pipetest.Engine, dst io.Writer, buf *bytes.Buffer, data, want []byte) {
	t.Helper()
	if err := e.Pack(context.Background(), dst, bytes.NewReader(data), fast); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatal("Pack's output differs from the oracle's")
	}
}

// goroutineID returns the calling goroutine's id, read from the first line
// of its stack trace ("goroutine 42 [running]:"). Go keeps goroutine
// identity out of its API on purpose; a test may read it to prove which
// goroutines did something. Ids are never reused within a process.
func goroutineID() uint64 {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	field := strings.Fields(string(line))[1]
	id, err := strconv.ParseUint(field, 10, 64)
	if err != nil {
		panic("unexpected stack header: " + string(line))
	}
	return id
}

// writerLog passes writes to W and records which goroutines made them.
type writerLog struct {
	W   io.Writer
	mu  sync.Mutex
	ids map[uint64]bool
}

func (l *writerLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = map[uint64]bool{}
	}
	l.ids[goroutineID()] = true
	return l.W.Write(p)
}

// writers is how many different goroutines wrote.
func (l *writerLog) writers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// packageImports returns the import paths of the non-test Go files in dir.
func packageImports(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v)", dir, err)
	}
	imports := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			imports[path] = true
		}
	}
	return imports
}

// mutexProfile returns every stack in the process's mutex profile, as
// function names, innermost first.
func mutexProfile() [][]string {
	var records []runtime.BlockProfileRecord
	n, _ := runtime.MutexProfile(nil)
	for {
		records = make([]runtime.BlockProfileRecord, n+16)
		var ok bool
		if n, ok = runtime.MutexProfile(records); ok {
			records = records[:n]
			break
		}
	}
	stacks := make([][]string, 0, len(records))
	for _, r := range records {
		var names []string
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			names = append(names, f.Function)
			if !more {
				break
			}
		}
		stacks = append(stacks, names)
	}
	return stacks
}

// isSyncMutex reports whether a function is a sync.Mutex or sync.RWMutex
// method (the standard library's or its internal twin's).
func isSyncMutex(function string) bool {
	return strings.Contains(function, "sync.(*Mutex).") || strings.Contains(function, "sync.(*RWMutex).")
}

// lockTaker returns the function that took the sync.Mutex a contention
// stack records: the first frame past the mutex's own methods. It tells a
// lock of the course's code from one the standard library takes inside a
// call (sync.Pool registering itself on a new P, sync.Once's slow path).
func lockTaker(stack []string) string {
	for _, f := range stack {
		if !isSyncMutex(f) {
			return f
		}
	}
	return ""
}

// anyFrame reports whether some function of stack satisfies match.
func anyFrame(stack []string, match func(string) bool) bool {
	for _, f := range stack {
		if match(f) {
			return true
		}
	}
	return false
}

// contendMutex makes one goroutine wait on a sync.Mutex held by another,
// and unlocks it only once the waiter is asleep on it, so the contention
// is certain to be recorded in the mutex profile. It is the control that
// shows the profile does see sync.Mutex contention in this process.
func contendMutex() {
	var mu sync.Mutex
	mu.Lock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		mu.Lock()
		mu.Unlock()
	}()
	for !someGoroutineIs("[sync.Mutex.Lock") {
		runtime.Gosched()
	}
	mu.Unlock()
	<-done
}

// someGoroutineIs reports whether a goroutine's stack header holds state.
func someGoroutineIs(state string) bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), state)
}
