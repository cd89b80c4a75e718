package engine

import "packcourse/core/codec"

// JobBytes is what one job of a run with chunks of chunkSize bytes is
// charged, for tests that count the budget a run holds.
var JobBytes = jobBytes

// CoderBytes is what one worker's coder for op and o is charged.
func CoderBytes(op Op, o codec.Options) int64 { return coderBytes(op, o) }
