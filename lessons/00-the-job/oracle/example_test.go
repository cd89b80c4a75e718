package oracle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// Each way of damaging a container is reported as what it is, with the
// frame and the byte offset where the damage was found.
func ExampleUnpack_damage() {
	o := codec.Options{ChunkSize: 1024}
	var packed bytes.Buffer
	data := workload.Bytes(workload.Text, 3*1024+100, 1)
	if err := oracle.Pack(context.Background(), &packed, bytes.NewReader(data), o); err != nil {
		panic(err)
	}
	for _, d := range pipetest.Damages(packed.Bytes(), false) {
		err := oracle.Unpack(context.Background(), io.Discard, bytes.NewReader(d.Data), o)
		fmt.Printf("%s:\n    %v\n", d.Name, err)
	}
	// Output:
	// flipped bit in frame 1's body:
	//     frame 1 at offset 612: checksum mismatch: body CRC eab2ac17, computed 0e590b2d
	// truncated inside frame 1:
	//     frame 1 at offset 612: truncated container: input ends inside the frame header at offset 632
	// truncated at frame boundary:
	//     frame 2 at offset 1174: truncated container: input ends after frame 1, before the trailer
	// frame 1 dropped:
	//     frame 1 at offset 612: frame missing, duplicated or out of order: expected frame 1, found frame 2
	// frame 1 duplicated:
	//     frame 2 at offset 1174: frame missing, duplicated or out of order: expected frame 2, found frame 1
	// frames 0 and 1 swapped:
	//     frame 0 at offset 40: frame missing, duplicated or out of order: expected frame 0, found frame 1
	// last frame dropped:
	//     trailer at offset 1717: frame missing, duplicated or out of order: trailer counts 4 frames, read 3
	// data after the trailer:
	//     trailer at offset 1930: corrupt container: data after the trailer
}
