//go:build !linux

package files

import (
	"io/fs"
	"time"
)

// changeTime is not read here: the size and the modification time are
// all checkUnchanged compares.
func changeTime(fs.FileInfo) (time.Time, bool) { return time.Time{}, false }
