// Package watch notices changes to the Go files of a directory by polling
// them: it reads every file on each tick and compares sizes and content
// hashes with the last look. Polling needs nothing from the operating
// system, and comparing content rather than inode or modification time
// means that an editor which saves by writing a new file and renaming it
// over the old one is seen like any other.
package watch

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A Snapshot is what the watched files held at one look: each file's path
// relative to the directory, with its size and content hash.
type Snapshot map[string]fileSum

type fileSum struct {
	size int64
	hash [sha256.Size]byte
}

// Equal reports whether two snapshots saw the same files with the same
// content.
func (s Snapshot) Equal(t Snapshot) bool { return maps.Equal(s, t) }

// Take reads every .go file under dir. A file that vanishes while it is
// being read (an editor in the middle of a rename) is left out; the next
// look sees the file that took its place.
func Take(dir string) (Snapshot, error) {
	s := Snapshot{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != dir {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		s[filepath.ToSlash(rel)] = fileSum{int64(len(data)), sha256.Sum256(data)}
		return nil
	})
	return s, err
}

// A Watcher remembers its last look at a directory and whether a change
// it saw there is still waiting to be handled.
type Watcher struct {
	dir     string
	last    Snapshot
	pending bool // a change has been seen and not yet reported
}

// New returns a Watcher of dir, which takes its first look now: changes
// count from here.
func New(dir string) (*Watcher, error) {
	s, err := Take(dir)
	if err != nil {
		return nil, err
	}
	return &Watcher{dir: dir, last: s}, nil
}

// Poll looks at the directory again and reports whether a change is due to
// be handled. A change is due once it has settled: Poll reports it on the
// first look that matches the one before it, so a save that takes several
// writes, or a burst of saves, is reported once, not once per write.
func (w *Watcher) Poll() (changed bool, err error) {
	now, err := Take(w.dir)
	if err != nil {
		return false, err
	}
	switch {
	case !now.Equal(w.last):
		w.last, w.pending = now, true // still changing: wait for it to settle
		return false, nil
	case w.pending:
		w.pending = false
		return true, nil
	}
	return false, nil
}

// Loop polls w on every tick and calls onChange for each change Poll
// reports, until ctx is done; then it returns nil. Changes made while
// onChange runs are seen on the following ticks. Loop returns an error if
// the directory cannot be read.
func Loop(ctx context.Context, w *Watcher, ticks <-chan time.Time, onChange func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
		changed, err := w.Poll()
		if err != nil {
			return err
		}
		if changed {
			onChange()
		}
	}
}
