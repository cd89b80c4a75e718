package files

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime is when info's file last changed in any way (contents,
// owner, mode, links), if the system says: unlike the modification time,
// no program can set it back.
func changeTime(info fs.FileInfo) (time.Time, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Ctim.Sec, st.Ctim.Nsec), true
}
