//go:build unix

package files

import (
	"errors"
	"os"
	"syscall"
)

const oNoFollow = syscall.O_NOFOLLOW

// openSource opens name with O_NOFOLLOW, so that a name swapped for a
// symbolic link after planning fails (ELOOP) instead of reading whatever
// the link leads to, and O_NONBLOCK, so that a name swapped for a FIFO
// opens at once instead of waiting, uninterruptibly, for a writer. The
// caller then checks with fstat that it is the regular file planned.
func openSource(name string) (Source, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, errIsLink
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// processAlive reports whether process pid may still be running: kill(2)
// with signal 0 checks without sending anything. EPERM means a process of
// another user has that pid: alive, as far as we can tell.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// fileLimit is the soft limit on open files (RLIMIT_NOFILE), as the Go
// runtime left it (it raises the soft limit to the hard one at start).
func fileLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<20 {
		return 1 << 20
	}
	return int(l.Cur)
}
