// Package readn reads a length that came from untrusted input without
// trusting it: memory grows with the bytes that actually arrive.
package readn

import "io"

// step is the most the buffer grows before more data has arrived.
const step = 1 << 20

// Read reads exactly n bytes from r into buf[:n], reusing buf's capacity.
// When buf is too small it grows only as data arrives (doubling, at most
// step bytes ahead of the data), so a lying n on a short input costs memory
// in proportion to the input, not to n.
// It returns io.ErrUnexpectedEOF (or io.EOF if nothing was read) when r ends early.
func Read(r io.Reader, buf []byte, n int) ([]byte, error) {
	if n <= cap(buf) {
		buf = buf[:n]
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	buf = buf[:0]
	for len(buf) < n {
		want := min(n-len(buf), step)
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), min(n, max(len(buf)+want, 2*cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		got, err := io.ReadFull(r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+got]
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	return buf, nil
}
