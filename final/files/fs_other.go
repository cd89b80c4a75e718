//go:build !unix

package files

import "os"

const oNoFollow = 0

// openSource opens name; without O_NOFOLLOW the fstat check that follows
// is what refuses a swapped file.
func openSource(name string) (Source, error) { return os.Open(name) }

// processAlive cannot tell here, so it says yes: a temporary file is
// only ever removed when its process is known to have ended.
func processAlive(int) bool { return true }

// fileLimit is a conservative guess where there is no RLIMIT_NOFILE.
func fileLimit() int { return 512 }
