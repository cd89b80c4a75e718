// Package files is the part of the pipeline that touches the file system:
// plans that turn a command line into jobs (MakePlan), outputs that appear
// whole or not at all (WriteAtomic), and runs over many files at once
// under one governor (Runner).
//
// Nothing it is not asked to follow is followed: inputs are opened with
// O_NOFOLLOW and O_NONBLOCK and checked with fstat to be the regular file
// that was planned (same device and inode), and an input that changes
// while it is read fails. Nothing it did not create is removed or
// replaced: an existing output only with Overwrite, a stale temporary
// file only when its name proves it is ours and its process has ended.
package files
