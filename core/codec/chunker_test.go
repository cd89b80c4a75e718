package codec

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// NextN cuts the chunks asked for, shorter only at the input's end, marks
// the last one, and leaves the Chunker's own size to Next.
func TestChunkerNextNCutsTheSizesAsked(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes
	c := NewChunker(bytes.NewReader(data), 8)
	var got []int
	var lasts []bool
	for _, size := range []int{30, 1, 50} {
		ch, err := c.NextN(nil, size)
		if err != nil {
			t.Fatalf("NextN(%d): %v", size, err)
		}
		got, lasts = append(got, len(ch.Data)), append(lasts, ch.Last)
	}
	ch, err := c.Next(nil) // the Chunker's own 8 bytes, then the 11 left
	if err != nil || len(ch.Data) != 8 || ch.Last {
		t.Fatalf("Next after NextN: %d bytes, last %v, %v; want 8, false, nil", len(ch.Data), ch.Last, err)
	}
	ch, err = c.NextN(nil, 64)
	if err != nil || len(ch.Data) != 11 || !ch.Last || ch.Index != 4 {
		t.Fatalf("NextN(64) at the end: %d bytes, last %v, index %d, %v; want 11, true, 4, nil", len(ch.Data), ch.Last, ch.Index, err)
	}
	if _, err := c.NextN(nil, 64); !errors.Is(err, io.EOF) {
		t.Fatalf("NextN past the end: %v, want io.EOF", err)
	}
	if want := []int{30, 1, 50}; !equalInts(got, want) || lasts[0] || lasts[1] || lasts[2] {
		t.Errorf("NextN cut %v (last %v), want %v, none last", got, lasts, want)
	}
	if _, err := NewChunker(bytes.NewReader(data), 8).NextN(nil, 0); err == nil {
		t.Errorf("NextN(0) returned no error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
