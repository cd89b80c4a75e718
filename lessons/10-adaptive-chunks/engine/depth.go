package engine

import (
	"io"
	"os"
)

// The depths DetectReadDepth chooses. They are starting points, not
// measurements: run the lesson's sweep command on your own disk, and set
// Engine.ReadDepth (the demo's -depth) to what it shows.
const (
	// DepthRotational is for a spinning disk: its head is in one place
	// at a time, so reads at several offsets at once only make it seek.
	DepthRotational = 1
	// DepthSolidState is for an SSD or NVMe drive, which serves many
	// requests at once from its queue: enough reads to keep it busy.
	DepthSolidState = 8
	// DepthUnknown is for a file whose device cannot be told (an overlay
	// or network file system, another OS): a few reads hide some latency
	// at the cost of a few buffers.
	DepthUnknown = 4
)

// docs:region DetectReadDepth
// DetectReadDepth chooses how many reads to keep in flight for src, and
// says why. Only a regular file has a device to ask about; any other input
// (memory, a pipe) gets 1, the sequential reader, as there is no device
// latency to hide. For a file it asks the OS whether the device behind it
// rotates (on Linux, /sys/dev/block/MAJOR:MINOR/queue/rotational).
func DetectReadDepth(src io.Reader) (depth int, why string) {
	f, ok := src.(*os.File)
	if !ok {
		return 1, "not a file: no device latency to hide"
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 1, "not a regular file: read in sequence"
	}
	rotational, dev, ok := deviceRotates(st)
	switch {
	case !ok:
		return DepthUnknown, "cannot tell the device behind the file (" + dev + ")"
	case rotational:
		return DepthRotational, dev + " rotates"
	default:
		return DepthSolidState, dev + " does not rotate"
	}
}

// docs:endregion DetectReadDepth
