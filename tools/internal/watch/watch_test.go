package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newWatcher(t *testing.T, dir string) *Watcher {
	t.Helper()
	w, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// polls polls w k times and returns how many polls reported a change.
func polls(t *testing.T, w *Watcher, k int) int {
	t.Helper()
	n := 0
	for range k {
		changed, err := w.Poll()
		if err != nil {
			t.Fatal(err)
		}
		if changed {
			n++
		}
	}
	return n
}

func TestOneChangeIsReportedOnceItSettles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	write(t, file, "package a\n")
	w := newWatcher(t, dir)

	if n := polls(t, w, 3); n != 0 {
		t.Fatalf("%d changes reported with nothing changed, want 0", n)
	}
	write(t, file, "package a\n\nfunc F() {}\n")
	if n := polls(t, w, 1); n != 0 {
		t.Fatalf("change reported on the look that first saw it, want it reported once it has settled")
	}
	if n := polls(t, w, 1); n != 1 {
		t.Fatalf("%d changes reported on the next quiet look, want 1", n)
	}
	if n := polls(t, w, 5); n != 0 {
		t.Fatalf("%d more changes reported after one change, want 0", n)
	}
}

func TestABurstOfChangesIsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	write(t, file, "package a\n")
	w := newWatcher(t, dir)

	for i := range 4 { // a change before every look: never settled
		write(t, file, "package a\n// "+string(rune('a'+i))+"\n")
		if n := polls(t, w, 1); n != 0 {
			t.Fatalf("change %d reported while the file was still changing", i+1)
		}
	}
	if n := polls(t, w, 4); n != 1 {
		t.Fatalf("%d changes reported after a burst of saves, want 1", n)
	}
}

func TestSaveByRenameIsSeen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	write(t, file, "package a\n")
	w := newWatcher(t, dir)

	// What many editors do: write a new file beside the old one, then
	// rename it over the old one. Same name, same size, new content.
	tmp := filepath.Join(dir, ".a.go.swp")
	write(t, tmp, "package b\n")
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	if n := polls(t, w, 3); n != 1 {
		t.Fatalf("%d changes reported after a save by rename, want 1", n)
	}
}

func TestOnlyGoFilesCount(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.go"), "package a\n")
	w := newWatcher(t, dir)

	write(t, filepath.Join(dir, "notes.txt"), "thinking...\n")
	if n := polls(t, w, 3); n != 0 {
		t.Fatalf("%d changes reported for a non-Go file, want 0", n)
	}
	write(t, filepath.Join(dir, "b_test.go"), "package a\n")
	if n := polls(t, w, 3); n != 1 {
		t.Fatalf("%d changes reported for a new Go file, want 1", n)
	}
	if err := os.Remove(filepath.Join(dir, "b_test.go")); err != nil {
		t.Fatal(err)
	}
	if n := polls(t, w, 3); n != 1 {
		t.Fatalf("%d changes reported for a deleted Go file, want 1", n)
	}
}

// TestLoopRegradesExactlyOncePerChange drives Loop with a tick channel the
// test owns. The channel is unbuffered, so a send completes only when Loop
// is back at its select: every tick before it has been fully handled.
func TestLoopRegradesExactlyOncePerChange(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	write(t, file, "package a\n")
	w := newWatcher(t, dir)
	write(t, file, "package a\n\nvar x int\n") // one change, before Loop starts

	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	regrades := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() { done <- Loop(ctx, w, ticks, func() { regrades <- struct{}{} }) }()

	for range 6 { // sees the change, sees it settled and regrades, then quiet
		ticks <- time.Time{}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Loop returned %v after cancel, want nil", err)
	}
	if n := len(regrades); n != 1 {
		t.Fatalf("Loop regraded %d times for one change, want exactly 1", n)
	}
}

func TestLoopStopsOnAnUnreadableDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ex")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWatcher(t, dir)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	ticks := make(chan time.Time, 1)
	ticks <- time.Time{}
	if err := Loop(t.Context(), w, ticks, func() {}); err == nil {
		t.Fatal("Loop went on after its directory vanished, want an error")
	}
}

func TestNewFailsOnAMissingDirectory(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("New on a missing directory returned nil error, want one")
	}
}
