//go:build !linux

package engine

import "os"

// deviceRotates cannot tell on this OS: DetectReadDepth falls back to
// DepthUnknown.
func deviceRotates(os.FileInfo) (rotational bool, dev string, ok bool) {
	return false, "not asked on this OS", false
}
