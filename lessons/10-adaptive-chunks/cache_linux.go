package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dropCache asks the kernel to drop f's pages from the page cache. It is
// advice: dirty pages stay, and some file systems ignore it.
func dropCache(f *os.File) { _ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) }

// cachedShare is the share of f's pages in the page cache, from mincore
// on a mapping of the file (mapping it reads nothing).
func cachedShare(f *os.File, size int64) (share float64, ok bool) {
	if size == 0 {
		return 0, true
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, false
	}
	defer unix.Munmap(mem)
	page := os.Getpagesize()
	vec := make([]byte, (int(size)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return 0, false
	}
	resident := 0
	for _, v := range vec {
		resident += int(v & 1)
	}
	return float64(resident) / float64(len(vec)), true
}

func cachedKnown() bool { return true }
