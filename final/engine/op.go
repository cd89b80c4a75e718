package engine

import "fmt"

// Op is what a run does: the one name for it in errors, trace tasks and
// the command line.
type Op int

// The operations.
const (
	Pack   Op = iota // a file to a container
	Unpack           // a container to the file it holds
	Verify           // check a container completely, write nothing
)

func (op Op) String() string {
	switch op {
	case Pack:
		return "pack"
	case Unpack:
		return "unpack"
	case Verify:
		return "verify"
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// work is what a run's workers do to each chunk, the name of their trace
// region, of their stage in errors and of their figures in the metrics.
func (op Op) work() string {
	if op == Pack {
		return stageEncode
	}
	return stageDecode
}

// containerStage is the stage of the header and the trailer: Pack writes
// them, Unpack and Verify read them.
func (op Op) containerStage() string {
	if op == Pack {
		return stageWrite
	}
	return stageRead
}
