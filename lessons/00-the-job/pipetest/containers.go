package pipetest

import (
	"encoding/binary"
	"hash/crc32"

	"packcourse/core/format"
)

// Span is a byte range [Start, End) of a container.
type Span struct{ Start, End int }

// Layout splits a well-formed container into its frames' spans and the
// trailer's span. Test helpers use it to damage a container at a chosen
// place; it trusts its input (the output of a Pack that succeeded).
func Layout(container []byte) (frames []Span, trailer Span) {
	off := format.HeaderLen
	for container[off] == 'F' {
		bodyLen := int(binary.BigEndian.Uint32(container[off+9 : off+13]))
		end := off + format.FrameHeaderLen + bodyLen
		frames = append(frames, Span{off, end})
		off = end
	}
	return frames, Span{off, off + format.TrailerLen}
}

// Damage is one way to spoil a container and the error kind a reader must
// answer it with.
type Damage struct {
	Name string
	Data []byte
	Want error // a format.Err* value
}

// Damages spoils a container of at least three frames in the ways the
// conformance suite checks every engine's Unpack against: a flipped bit in
// a body, truncation inside a frame and at a frame boundary, a dropped, a
// duplicated and two swapped frames, a dropped last frame, data after the
// trailer.
func Damages(container []byte, encrypted bool) []Damage {
	frames, trailer := Layout(container)
	if len(frames) < 3 {
		panic("pipetest.Damages needs a container of at least three frames")
	}
	f0, f1, f2 := frames[0], frames[1], frames[2]
	last := frames[len(frames)-1]
	return []Damage{
		{"flipped bit in frame 1's body", flip(container, f1.Start+format.FrameHeaderLen+3, 0x10), format.ErrChecksum},
		{"truncated inside frame 1", cat(container[:f1.Start+20]), format.ErrTruncated},
		{"truncated at frame boundary", cat(container[:f2.Start]), format.ErrTruncated},
		{"frame 1 dropped", cat(container[:f1.Start], container[f2.Start:]), format.ErrFrameOrder},
		{"frame 1 duplicated", cat(container[:f2.Start], container[f1.Start:f1.End], container[f2.Start:]), format.ErrFrameOrder},
		{"frames 0 and 1 swapped", cat(container[:f0.Start], container[f1.Start:f1.End], container[f0.Start:f0.End], container[f2.Start:]), format.ErrFrameOrder},
		{"last frame dropped", cat(container[:last.Start], container[trailer.Start:]), dropLastKind(encrypted)},
		{"data after the trailer", cat(container, []byte{0}), format.ErrCorrupt},
	}
}

// HeaderDamages rewrites fields of an encrypted container's header, each
// with the header's CRC recomputed so that only authentication can catch
// it: the codec, the level, a byte of the nonce prefix. A reader must
// answer each with format.ErrAuth, even for a container of an empty file,
// which has no frame: only the trailer's keyed digest covers its header.
// (The chunk size is left alone: an engine may refuse a larger one for
// its memory budget before it can authenticate anything.)
func HeaderDamages(container []byte) []Damage {
	rewrite := func(name string, change func(h []byte)) Damage {
		out := cat(container)
		h := out[:format.HeaderLen]
		change(h)
		binary.BigEndian.PutUint32(h[36:40], crc32.Checksum(h[:36], castagnoli))
		return Damage{name, out, format.ErrAuth}
	}
	return []Damage{
		rewrite("header: codec switched", func(h []byte) { h[5] ^= 3 }), // 1 (DEFLATE) <-> 2 (zstd)
		rewrite("header: level raised", func(h []byte) { h[6]++ }),
		rewrite("header: nonce prefix changed", func(h []byte) { h[28] ^= 1 }),
	}
}

// dropLastKind: without the last frame, an encrypted container's new final
// frame was sealed as "not last" and fails to open; a plain one is caught
// by the trailer's frame count.
func dropLastKind(encrypted bool) error {
	if encrypted {
		return format.ErrAuth
	}
	return format.ErrFrameOrder
}

func flip(b []byte, at int, mask byte) []byte {
	out := cat(b)
	out[at] ^= mask
	return out
}

// cat returns a new slice holding the parts one after the other.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// SpoilPayload flips a byte in the compressed data of each frame given and
// recomputes the frame's CRCs, so the damage passes the format reader's
// checks and is found only when the frame is decoded: by the SHA-256, by
// the decompressor, or (encrypted) by the AEAD. Engines decode in
// parallel, so this is the damage that shows whether an engine reports the
// first bad frame in input order or just the first one a worker met.
func SpoilPayload(container []byte, frames ...int) []byte {
	out := cat(container)
	spans, _ := Layout(out)
	for _, i := range frames {
		f := spans[i]
		body := out[f.Start+format.FrameHeaderLen : f.End]
		body[format.SumLen+(len(body)-format.SumLen)/2] ^= 0xFF
		hdr := out[f.Start : f.Start+format.FrameHeaderLen]
		binary.BigEndian.PutUint32(hdr[13:17], crc32.Checksum(body, castagnoli))
		binary.BigEndian.PutUint32(hdr[17:21], crc32.Checksum(hdr[:17], castagnoli))
	}
	return out
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
