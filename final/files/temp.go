package files

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Temporary files are named ".NAME.PID-RANDOM.tmp" in the destination's
// directory: NAME is the destination's base name (cut to maxTempPrefix
// bytes, so that the whole name stays under the 255-byte limit of most
// file systems), PID the process writing it, and RANDOM 16 hex digits: 8
// random, then 8 of a tag, a SHA-256 of the others and of the full NAME.
// The tag is the marker: a name that carries it was made by this package
// for that destination, so a later run may remove it once process PID has
// ended (kill -9, a power cut). Nothing else is ever removed.

// maxTempPrefix bounds the part of a temporary name taken from the
// destination: "." + 200 + "." + 10 (pid) + "-" + 16 + ".tmp" = 233 bytes.
const maxTempPrefix = 200

const tempSuffix = ".tmp"

// tempName returns a new temporary name for base, written by process pid.
func tempName(base string, pid int) string {
	var r [4]byte
	rand.Read(r[:]) // never fails (crypto/rand's contract since Go 1.24)
	rnd := hex.EncodeToString(r[:])
	return "." + shorten(base) + "." + strconv.Itoa(pid) + "-" + rnd + tempTag(base, pid, rnd) + tempSuffix
}

// tempTag is the marker of a temporary name: 8 hex digits of a SHA-256 of
// what the name stands for.
func tempTag(base string, pid int, rnd string) string {
	h := sha256.Sum256([]byte("packcourse pipeline temporary file\x00" + base + "\x00" + strconv.Itoa(pid) + "\x00" + rnd))
	return hex.EncodeToString(h[:4])
}

// shorten cuts name to maxTempPrefix bytes, at a rune boundary.
func shorten(name string) string {
	if len(name) <= maxTempPrefix {
		return name
	}
	cut := maxTempPrefix
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// staleOwner reports whether entry is a temporary file this package made
// for destination base, and which process made it.
func staleOwner(entry, base string) (pid int, ok bool) {
	rest, ok := strings.CutSuffix(entry, tempSuffix)
	if !ok || !strings.HasPrefix(rest, "."+shorten(base)+".") {
		return 0, false
	}
	rest = rest[len(shorten(base))+2:]
	p, r, ok := strings.Cut(rest, "-")
	if !ok || len(r) != 16 {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != p {
		return 0, false
	}
	if tempTag(base, pid, r[:8]) != r[8:] {
		return 0, false
	}
	return pid, true
}

// removeStale removes, from the directories of dsts, the temporary files
// this package made for one of dsts whose process has ended, and returns
// their paths. alive says whether a process is running. A file it cannot
// prove stale, or cannot look at, it leaves alone.
func removeStale(fsys FS, dsts []string, alive func(int) bool) (removed []string, errs []error) {
	byDir := map[string][]string{}
	for _, d := range dsts {
		dir, base := filepath.Split(d)
		if dir == "" {
			dir = "."
		}
		byDir[dir] = append(byDir[dir], base)
	}
	for dir, bases := range byDir {
		entries, err := fsys.ReadDir(dir)
		if err != nil {
			continue // not there yet (or unreadable: the write will say so)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), tempSuffix) || !strings.HasPrefix(e.Name(), ".") {
				continue
			}
			for _, base := range bases {
				pid, ok := staleOwner(e.Name(), base)
				if !ok || pid == os.Getpid() || alive(pid) {
					continue
				}
				path := filepath.Join(dir, e.Name())
				if info, err := fsys.Lstat(path); err != nil || !info.Mode().IsRegular() {
					break
				}
				if err := fsys.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, fmt.Errorf("removing stale temporary file %s: %w", Quote(path), unwrapPath(err)))
					break
				}
				removed = append(removed, path)
				break
			}
		}
	}
	return removed, errs
}
