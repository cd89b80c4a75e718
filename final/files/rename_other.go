//go:build !linux

package files

// renameNoReplace moves oldpath to newpath unless newpath exists, in one
// step: link then remove, where there is no renameat2.
func renameNoReplace(oldpath, newpath string) error { return linkThenRemove(oldpath, newpath) }
