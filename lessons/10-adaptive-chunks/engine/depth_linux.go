package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// deviceRotates reads the block device's queue/rotational flag in sysfs.
// A partition (sda1) has no queue of its own: its disk's (sda) is one
// directory up. A file on an overlay, tmpfs or network file system has no
// block device behind it at all.
func deviceRotates(st os.FileInfo) (rotational bool, dev string, ok bool) {
	sys, isStat := st.Sys().(*syscall.Stat_t)
	if !isStat {
		return false, "no device number", false
	}
	major, minor := devMajor(sys.Dev), devMinor(sys.Dev)
	dev = fmt.Sprintf("device %d:%d", major, minor)
	dir, err := filepath.EvalSymlinks(fmt.Sprintf("/sys/dev/block/%d:%d", major, minor))
	if err != nil {
		return false, dev + ", not a block device", false
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		b, err := os.ReadFile(filepath.Join(d, "queue", "rotational"))
		if err == nil {
			return strings.TrimSpace(string(b)) == "1", fmt.Sprintf("%s (%s)", dev, filepath.Base(d)), true
		}
	}
	return false, dev + ", no queue/rotational", false
}

// devMajor and devMinor split a Linux dev_t, as glibc's major and minor do.
func devMajor(dev uint64) uint64 { return (dev>>8)&0xfff | (dev>>32)&^0xfff }
func devMinor(dev uint64) uint64 { return dev&0xff | (dev>>12)&^0xff }
