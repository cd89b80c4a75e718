package fetcher

// The graded behaviours of Fetch. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// The tests run in a synctest bubble against a reader whose every ReadAt
// takes a simulated latency: time.Sleep there is virtual, so slow reads
// cost nothing, reads in flight are counted rather than timed, and nothing
// depends on the machine's speed.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDeliversEveryChunkInOrder(t *testing.T) {
	for _, tc := range []struct {
		size         int64
		chunk, depth int
	}{
		{0, 8, 4}, {1, 8, 4}, {64, 8, 1}, {64, 8, 3}, {67, 8, 3}, {1000, 7, 8}, {1000, 1000, 4}, {999, 1000, 4},
	} {
		name := fmt.Sprintf("size=%d,chunk=%d,depth=%d", tc.size, tc.chunk, tc.depth)
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(tc.size, randomLatency(uint64(tc.size)))
				got, err := runFetch(t, t.Context(), r, tc.chunk, tc.depth, nil)
				if err != nil {
					t.Fatalf("Fetch returned %v (%s) for a reader that never fails", err, name)
				}
				checkChunks(t, got, r, tc.chunk, chunksOf(tc.size, tc.chunk), name)
			})
		})
	}
}

func TestKeepsAtMostDepthReadsInFlight(t *testing.T) {
	for _, depth := range []int{1, 2, 4, 16} {
		for _, slow := range []bool{false, true} {
			name := fmt.Sprintf("depth=%d,random latency=%v", depth, slow)
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					latency := fixedLatency(time.Millisecond)
					if slow {
						latency = randomLatency(uint64(depth))
					}
					r := newReader(200*8, latency)
					got, err := runFetch(t, t.Context(), r, 8, depth, nil)
					if err != nil {
						t.Fatalf("Fetch returned %v (%s)", err, name)
					}
					checkChunks(t, got, r, 8, 200, name)
					if hw := r.inFlight.highWater(); hw > int64(depth) {
						t.Fatalf("%d ReadAt calls were in flight at once with depth=%d (%s): never start a read while depth chunks are held", hw, depth, name)
					}
				})
			})
		}
	}
}

func TestUsesTheDepth(t *testing.T) {
	const n, latency = 64, time.Millisecond
	for _, depth := range []int{2, 4, 16} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(n*8, fixedLatency(latency))
				start := time.Now()
				got, err := runFetch(t, t.Context(), r, 8, depth, nil)
				took := time.Since(start)
				if err != nil {
					t.Fatalf("Fetch returned %v", err)
				}
				checkChunks(t, got, r, 8, n, fmt.Sprintf("depth=%d", depth))
				if hw := r.inFlight.highWater(); hw < int64(depth) {
					t.Fatalf("at most %d ReadAt call(s) were ever in flight with depth=%d and %d chunks to read: keep depth reads going, or a slow device is never kept busy", hw, depth, n)
				}
				// With every read taking the same time, depth reads in
				// flight finish n chunks in n/depth latencies.
				if want := time.Duration((n+depth-1)/depth) * latency; took > want {
					t.Fatalf("%d chunks with %v per read took %v of simulated time at depth=%d, want at most %v: start the next read as soon as a chunk is delivered", n, latency, took, depth, want)
				}
			})
		})
	}
}

func TestBoundsTheChunksHeld(t *testing.T) {
	const n, depth = 100, 3
	t.Run("a consumer that stops", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newReader(n*8, fixedLatency(time.Millisecond))
			var startedDuringFirst int
			got, err := runFetch(t, t.Context(), r, 8, depth, func(c Chunk) {
				if c.Index == 0 {
					time.Sleep(time.Hour)
					startedDuringFirst = r.started()
				}
			})
			if err != nil {
				t.Fatalf("Fetch returned %v", err)
			}
			checkChunks(t, got, r, 8, n, "a consumer that stops")
			if startedDuringFirst > depth+1 {
				t.Fatalf("%d reads had started by the end of an hour spent delivering chunk 0 (depth=%d): a chunk is held from its ReadAt until it is delivered, and at most depth may be; read ahead of a slow consumer by depth chunks, no more", startedDuringFirst, depth)
			}
		})
	})
	t.Run("one slow read", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newReader(n*8, func(off int64) time.Duration {
				if off == 0 {
					return time.Hour
				}
				return time.Millisecond
			})
			got, err := runFetch(t, t.Context(), r, 8, depth, nil)
			if err != nil {
				t.Fatalf("Fetch returned %v", err)
			}
			checkChunks(t, got, r, 8, n, "one slow read")
			if k := r.startedBefore(time.Hour); k > depth {
				t.Fatalf("%d reads started while the read of chunk 0 was still going (depth=%d): a chunk read but not yet delivered still counts against depth; keep its slot until it is delivered, not only until its ReadAt returns", k, depth)
			}
		})
	})
}

func TestReportsAReadErrorAtItsPlace(t *testing.T) {
	for _, depth := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n, bad = 40, 5
				r := newReader(n*8, func(off int64) time.Duration {
					// Chunks before the bad one are slow, so its error
					// arrives first.
					if off < bad*8 {
						return 10 * time.Millisecond
					}
					return time.Millisecond
				})
				r.failAt = bad * 8
				got, err := runFetch(t, t.Context(), r, 8, depth, nil)
				if !errors.Is(err, errDisk) {
					t.Fatalf("Fetch returned %v for a reader whose read of chunk %d failed with %q (depth=%d): return the read's error (wrapped or not) once the chunks before it are delivered", err, bad, errDisk, depth)
				}
				if len(got) != bad {
					t.Fatalf("%d chunks were delivered before the error of chunk %d (depth=%d): deliver every chunk before a failed one, in order, then return its error; deliver none after it", len(got), bad, depth)
				}
				checkChunks(t, got, r, 8, bad, fmt.Sprintf("chunks before the error, depth=%d", depth))
			})
		})
	}
}

func TestStartsNoReadAfterTheFirstError(t *testing.T) {
	for _, depth := range []int{2, 4, 8} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n, bad = 200, 1
				r := newReader(n*8, func(off int64) time.Duration {
					if off == 0 {
						return time.Hour // chunk 0 holds up delivery
					}
					return time.Millisecond
				})
				r.failAt = bad * 8
				_, err := runFetch(t, t.Context(), r, 8, depth, nil)
				if !errors.Is(err, errDisk) {
					t.Fatalf("Fetch returned %v, want the read error %q (depth=%d)", err, errDisk, depth)
				}
				if late := r.startedAfterFailure(); late > 0 {
					t.Fatalf("%d reads started after the read of chunk %d had failed (depth=%d): the chunks after a failed one are never delivered, so stop starting reads as soon as any read fails, not when delivery reaches it", late, bad, depth)
				}
			})
		})
	}
}

func TestStopsWhenDeliverFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errFull := errors.New("consumer: no room")
		r := newReader(100*8, randomLatency(3))
		calls := 0
		err := fetchOnce(t, t.Context(), r, 8, 4, func(c Chunk) error {
			calls++
			if c.Index == 3 {
				return errFull
			}
			return nil
		})
		if !errors.Is(err, errFull) {
			t.Fatalf("Fetch returned %v after deliver failed with %q: return deliver's error", err, errFull)
		}
		if calls != 4 {
			t.Fatalf("deliver was called %d times when its 4th call failed: stop delivering at deliver's first error", calls)
		}
	})
}

// deliver cancels ctx and then fails: its own error says why the run
// ended, so it is the one Fetch returns, not ctx's.
func TestReturnsDeliversErrorWhenDeliverAlsoCancels(t *testing.T) {
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				errFull := errors.New("consumer: no room")
				r := newReader(100*8, randomLatency(4))
				err := fetchOnce(t, ctx, r, 8, depth, func(c Chunk) error {
					if c.Index == 3 {
						cancel()
						return errFull
					}
					return nil
				})
				if !errors.Is(err, errFull) || errors.Is(err, context.Canceled) {
					t.Fatalf("Fetch returned %v when deliver cancelled ctx and then failed with %q (depth=%d): deliver's error stopped the run first; return it, not ctx's", err, errFull, depth)
				}
			})
		})
	}
}

func TestStopsWhenCancelled(t *testing.T) {
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				r := newReader(1000*8, randomLatency(5))
				var cancelledAt time.Time
				got, err := runFetch(t, ctx, r, 8, depth, func(c Chunk) {
					if c.Index == 5 {
						cancel()
						cancelledAt = time.Now()
					}
				})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Fetch returned %v after ctx was cancelled (depth=%d): return ctx.Err()", err, depth)
				}
				if len(got) != 6 {
					t.Fatalf("%d chunks were delivered when ctx was cancelled during the 6th (depth=%d): deliver nothing once ctx is done", len(got), depth)
				}
				if late := r.startedAfter(cancelledAt); late > 0 {
					t.Fatalf("%d reads started after ctx was cancelled (depth=%d): check ctx before starting each read", late, depth)
				}
			})
		})
	}
	t.Run("while every read is slow", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			r := newReader(1000*8, fixedLatency(time.Hour))
			_, err := runFetch(t, ctx, r, 8, 4, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Fetch returned %v when ctx's deadline passed during its reads: return ctx.Err()", err)
			}
			if k := r.started(); k > 4 {
				t.Fatalf("%d reads started, with depth 4 and every read an hour long past a one-minute deadline: start none once ctx is done", k)
			}
		})
	})
}

// A chunk is held from its ReadAt until it is delivered: with a slow read
// at the head and fast ones behind it, the reads that finished early still
// count, so Fetch starts no more than depth. Measured inside deliver once
// every read Fetch started has reached ReadAt.
func TestHoldsAtMostDepthBehindASlowHead(t *testing.T) {
	for _, depth := range []int{2, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(32*8, func(off int64) time.Duration {
					if off == 0 {
						return time.Second
					}
					return time.Millisecond
				})
				most := 0
				got, err := runFetch(t, t.Context(), r, 8, depth, func(c Chunk) {
					synctest.Wait() // every read started has reached ReadAt
					most = max(most, r.started()-c.Index)
				})
				if err != nil {
					t.Fatalf("Fetch returned %v", err)
				}
				checkChunks(t, got, r, 8, 32, "a slow head")
				if most > depth {
					t.Fatalf("%d chunks were held at once (their reads started, not yet delivered) with depth=%d, behind a slow read of chunk 0: a chunk whose read returned still counts until it is delivered; free its slot when deliver has it, not when its ReadAt returns", most, depth)
				}
			})
		})
	}
}

// The read of chunk 1 takes an hour and every other read a millisecond,
// and deliver takes no time: once chunk 0 is delivered, its slot must take
// the next read at once, so that depth chunks are held (read or being read)
// all the while chunk 1 is slow. Counted half an hour in.
func TestKeepsDepthChunksHeldBehindASlowRead(t *testing.T) {
	for _, depth := range []int{2, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(32*8, func(off int64) time.Duration {
					if off == 8 {
						return time.Hour
					}
					return time.Millisecond
				})
				var delivered, held atomic.Int64
				held.Store(-1)
				time.AfterFunc(30*time.Minute, func() { held.Store(int64(r.started()) - delivered.Load()) })
				got, err := runFetch(t, t.Context(), r, 8, depth, func(Chunk) { delivered.Add(1) })
				if err != nil {
					t.Fatalf("Fetch returned %v", err)
				}
				checkChunks(t, got, r, 8, 32, "a slow read of chunk 1")
				if h := held.Load(); h < int64(depth) {
					t.Fatalf("%d chunk(s) were held (read or being read, not yet delivered) during the hour the read of chunk 1 took, with depth=%d: start the next read as soon as a chunk is delivered and a slot is free, not once a whole batch of depth is delivered", h, depth)
				}
			})
		})
	}
}

// ctx is done while the read at the head is slow: Fetch must not wait for
// it to deliver it. It returns ctx's error having delivered nothing (after
// the reads it started have returned).
func TestDeliversNothingOnceCancelledDuringASlowRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := newReader(8*8, func(off int64) time.Duration {
			if off == 0 {
				return time.Hour
			}
			return time.Millisecond
		})
		time.AfterFunc(time.Second, cancel)
		got, err := runFetch(t, ctx, r, 8, 4, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch returned %v when ctx was cancelled during a slow read of chunk 0: return ctx.Err()", err)
		}
		if len(got) != 0 {
			t.Fatalf("%d chunk(s) delivered after ctx was cancelled during the read of chunk 0: wait for the next chunk in a select that also watches ctx.Done(), and deliver nothing once ctx is done", len(got))
		}
	})
}

// deliver cancels ctx: once every read started has reached ReadAt, no
// further read starts, not even into the slot the delivered chunk freed.
func TestStartsNoReadOnceDeliverCancels(t *testing.T) {
	for _, depth := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				r := newReader(10*8, fixedLatency(time.Millisecond))
				var atCancel int
				_, err := runFetch(t, ctx, r, 8, depth, func(c Chunk) {
					if c.Index == 3 {
						synctest.Wait() // the reads Fetch started have reached ReadAt
						atCancel = r.started()
						cancel()
					}
				})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Fetch returned %v after deliver cancelled ctx: return ctx.Err()", err)
				}
				if late := r.started() - atCancel; late > 0 {
					t.Fatalf("%d read(s) started after deliver cancelled ctx (depth=%d): check ctx before starting each read, also the one into the slot a delivered chunk frees (and at depth 1, before the read, not after it)", late, depth)
				}
			})
		})
	}
}

func TestLeavesNoGoroutineBehind(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(r *reader, cancel func()) func(Chunk)
	}{
		{"after a cancel", func(r *reader, cancel func()) func(Chunk) {
			return func(c Chunk) {
				if c.Index == 2 {
					cancel()
				}
			}
		}},
		{"after a read error", func(r *reader, cancel func()) func(Chunk) {
			r.failAt = 3 * 8
			return nil
		}},
		{"after the last chunk", func(r *reader, cancel func()) func(Chunk) { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				r := newReader(50*8, randomLatency(9))
				runFetch(t, ctx, r, 8, 6, tc.stop(r, cancel))
				// No synctest.Wait here: whatever Fetch started must be
				// over when it returns, not soon after.
				if left := goroutinesOfFetch(); left > 0 {
					t.Errorf("%d goroutine(s) started by Fetch were still there when it returned %s%s: wait for every read you started before returning (a sync.WaitGroup), so the caller knows Fetch no longer uses r", left, tc.name, whereStuck())
				}
				if in := r.inFlight.now.Load(); in > 0 {
					t.Errorf("%d ReadAt call(s) were still in flight when Fetch returned %s: wait for every read you started before returning", in, tc.name)
				}
				time.Sleep(24 * time.Hour) // let any read left behind finish, so the bubble can end
			})
		})
	}
}

func TestDeliveredBytesStayTheConsumers(t *testing.T) {
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(300*8, randomLatency(11))
				got, err := runFetch(t, t.Context(), r, 8, depth, nil)
				if err != nil {
					t.Fatalf("Fetch returned %v", err)
				}
				// runFetch kept every chunk's Data as delivered; had Fetch
				// read into a buffer it delivered before, the earlier
				// chunk's bytes now are a later chunk's.
				for i, c := range got {
					if want := r.bytesAt(int64(i)*8, 8); string(c.Data) != string(want) {
						t.Fatalf("chunk %d's bytes changed after it was delivered (depth=%d): now %q, were %q; the consumer owns a delivered chunk's bytes, so read each chunk into a buffer of its own", i, depth, c.Data, want)
					}
				}
			})
		})
	}
}

// Fetch is told the input is 64 MiB, in chunks of 8 KiB, and deliver
// stops it after 3 chunks: what Fetch allocates must follow depth, not
// size. One buffer for the whole input, or a read started for every chunk,
// allocates the whole 64 MiB.
func TestMemoryFollowsDepthNotSize(t *testing.T) {
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const size, chunk, limit = 64 << 20, 8 << 10, 4 << 20
				errEnough := errors.New("consumer: enough")
				r := newReader(size, fixedLatency(time.Millisecond))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := fetchOnce(t, t.Context(), r, chunk, depth, func(c Chunk) error {
					if c.Index == 2 {
						return errEnough
					}
					return nil
				})
				runtime.ReadMemStats(&after)
				if !errors.Is(err, errEnough) {
					t.Fatalf("Fetch returned %v, want deliver's error %q (depth=%d)", err, errEnough, depth)
				}
				if got := after.TotalAlloc - before.TotalAlloc; got > limit {
					t.Fatalf("Fetch allocated %d KiB to deliver 3 chunks of 8 KiB from a 64 MiB input (depth=%d), want at most %d KiB: make each chunk's buffer when its read starts, so that memory follows depth, never one buffer for the whole input", got>>10, depth, limit>>10)
				}
			})
		})
	}
}

func TestDepthOneReadsOnTheCallersGoroutine(t *testing.T) {
	for _, depth := range []int{1, 0, -2} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(20*8, fixedLatency(time.Millisecond))
				got, err := runFetch(t, t.Context(), r, 8, depth, nil)
				if err != nil {
					t.Fatalf("Fetch returned %v", err)
				}
				checkChunks(t, got, r, 8, 20, fmt.Sprintf("depth=%d", depth))
				if hw := r.inFlight.highWater(); hw > 1 {
					t.Fatalf("%d reads were in flight at once with depth=%d: a depth below 1 counts as 1", hw, depth)
				}
				if k := r.offCaller.Load(); k > 0 {
					t.Fatalf("%d of 20 reads ran on a goroutine other than Fetch's caller with depth=%d: with one read at a time there is nothing to overlap, so read in a plain loop and start no goroutine", k, depth)
				}
			})
		})
	}
}

func TestTakesEOFWithTheLastBytes(t *testing.T) {
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newReader(10*8+3, fixedLatency(time.Millisecond))
				r.eofAtEnd = true
				got, err := runFetch(t, t.Context(), r, 8, depth, nil)
				if err != nil {
					t.Fatalf("Fetch returned %v for a reader that returned all of the last chunk's bytes along with io.EOF (depth=%d): io.ReaderAt may do that; a read that filled its buffer succeeded", err, depth)
				}
				checkChunks(t, got, r, 8, 11, "EOF with the last bytes")
			})
		})
	}
}

func TestReportsAShortInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newReader(100, fixedLatency(time.Millisecond))
		r.holds = 60 // Fetch is told 100 bytes
		err := fetchOnce(t, t.Context(), r, 8, 4, nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Fetch returned %v for an input shorter than size: a read that comes back short with io.EOF means the input ended early; return io.ErrUnexpectedEOF (wrapped or not)", err)
		}
	})
}

// A ReaderAt that comes back short with a nil error breaks io.ReaderAt's
// rule, but the bytes are still missing: a read that does not fill its
// buffer means the input ended early, whatever error comes with it. Fetch
// returns io.ErrUnexpectedEOF at that chunk's place and delivers no short
// chunk, whether the input ends in the middle or one byte before size.
func TestReportsAShortReadWithoutEOF(t *testing.T) {
	for _, tc := range []struct {
		holds int64 // the bytes the reader has, of the 100 Fetch is told
		full  int   // the full chunks of 8 bytes before the short one
	}{
		{60, 7}, {99, 12},
	} {
		for _, depth := range []int{1, 4} {
			name := fmt.Sprintf("%d of 100 bytes,depth=%d", tc.holds, depth)
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newReader(100, fixedLatency(time.Millisecond))
					r.holds = tc.holds
					r.shortNilErr = true
					got, err := runFetch(t, t.Context(), r, 8, depth, nil)
					if !errors.Is(err, io.ErrUnexpectedEOF) {
						t.Fatalf("Fetch returned %v for an input of %d bytes when told 100, from a ReaderAt that comes back short with a nil error (%s): a read that does not fill its buffer means the input ended early, whatever error comes with it; return io.ErrUnexpectedEOF (wrapped or not)", err, tc.holds, name)
					}
					if len(got) != tc.full {
						t.Fatalf("%d chunks were delivered from an input of %d bytes in chunks of 8 (%s), want the %d full ones: a chunk whose read came back short is the error's place, not a chunk to deliver", len(got), tc.holds, name, tc.full)
					}
					checkChunks(t, got, r, 8, tc.full, name)
				})
			})
		}
	}
}

// With ctx already done when Fetch is called, no ReadAt starts at all, at
// any depth: check ctx before starting the first reads too, not only once
// the first chunk is awaited.
func TestStartsNoReadWithADoneContext(t *testing.T) {
	for _, depth := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				r := newReader(8*8, fixedLatency(time.Millisecond))
				got, err := runFetch(t, ctx, r, 8, depth, nil)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Fetch with a ctx cancelled before the call returned %v (depth=%d): return ctx.Err()", err, depth)
				}
				if len(got) != 0 {
					t.Fatalf("Fetch with a ctx cancelled before the call delivered %d chunk(s) (depth=%d): deliver nothing once ctx is done", len(got), depth)
				}
				if k := r.started(); k > 0 {
					t.Fatalf("Fetch with a ctx cancelled before the call started %d ReadAt call(s) (depth=%d), want none: check ctx before starting any read, the first depth of them too", k, depth)
				}
			})
		})
	}
}

// errCause is the cause a test cancels ctx with.
var errCause = errors.New("test: stopped, with a cause")

// ctx's error is ctx.Err(): context.Canceled, or DeadlineExceeded, even
// when ctx was cancelled with a cause. context.Cause(ctx) is the cause,
// for whoever cancelled ctx to read; it is not the error Fetch returns.
func TestReturnsCtxErrNotItsCause(t *testing.T) {
	check := func(t *testing.T, err error, want error, how string) {
		t.Helper()
		if !errors.Is(err, want) || errors.Is(err, errCause) {
			got := "nil"
			if err != nil {
				got = strconv.Quote(err.Error())
			}
			t.Fatalf("Fetch returned %s when ctx was %s with a cause, %q: return ctx's error, ctx.Err() (%q), not context.Cause(ctx), which is the cause", got, how, errCause, want)
		}
	}
	for _, depth := range []int{1, 4} {
		t.Run(fmt.Sprintf("cancelled in deliver,depth=%d", depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				r := newReader(100*8, randomLatency(6))
				_, err := runFetch(t, ctx, r, 8, depth, func(c Chunk) {
					if c.Index == 3 {
						cancel(errCause)
					}
				})
				check(t, err, context.Canceled, fmt.Sprintf("cancelled from inside deliver (depth=%d)", depth))
			})
		})
	}
	t.Run("cancelled during a slow read", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			r := newReader(8*8, fixedLatency(time.Hour))
			time.AfterFunc(time.Second, func() { cancel(errCause) })
			_, err := runFetch(t, ctx, r, 8, 4, nil)
			check(t, err, context.Canceled, "cancelled during the reads (depth=4)")
		})
	})
	t.Run("deadline during a slow read", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeoutCause(t.Context(), time.Second, errCause)
			defer cancel()
			r := newReader(8*8, fixedLatency(time.Hour))
			_, err := runFetch(t, ctx, r, 8, 4, nil)
			check(t, err, context.DeadlineExceeded, "past its deadline during the reads (depth=4)")
		})
	})
}

func TestRejectsAChunkSizeBelowOne(t *testing.T) {
	for _, chunk := range []int{0, -8} {
		r := newReader(64, fixedLatency(0))
		err := Fetch(t.Context(), r, 64, chunk, 2, func(Chunk) error { return nil })
		if !errors.Is(err, ErrChunkSize) {
			t.Fatalf("Fetch with chunk=%d returned %v, want ErrChunkSize", chunk, err)
		}
	}
}

// The reader under test: size bytes, byte k being a function of k, every
// ReadAt taking latency(off) of bubble time.

var errDisk = errors.New("disk: bad sector")

type reader struct {
	size        int64 // the size Fetch is told
	holds       int64 // the bytes the reader really has: size, unless a test says less
	latency     func(off int64) time.Duration
	failAt      int64 // the offset whose read fails with errDisk; -1: none
	eofAtEnd    bool  // return io.EOF with the last bytes
	shortNilErr bool  // a short read comes with a nil error, not io.EOF (io.ReaderAt forbids it)
	caller      atomic.Int64

	inFlight  gauge
	offCaller atomic.Int64 // reads not on the goroutine that called Fetch

	mu       sync.Mutex
	starts   []time.Time // when each ReadAt started
	failedAt time.Time   // when the failing read returned; zero if none
}

func newReader(size int64, latency func(int64) time.Duration) *reader {
	return &reader{size: size, holds: size, latency: latency, failAt: -1}
}

func (r *reader) byteAt(k int64) byte { return byte(k*7 + k/251) }

func (r *reader) bytesAt(off int64, n int) []byte {
	b := make([]byte, 0, n)
	for k := off; k < off+int64(n) && k < r.holds; k++ {
		b = append(b, r.byteAt(k))
	}
	return b
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	defer r.inFlight.enter()()
	if goid() != r.caller.Load() {
		r.offCaller.Add(1)
	}
	r.mu.Lock()
	r.starts = append(r.starts, time.Now())
	r.mu.Unlock()
	time.Sleep(r.latency(off))
	if off == r.failAt {
		r.mu.Lock()
		r.failedAt = time.Now()
		r.mu.Unlock()
		return 0, errDisk
	}
	n := copy(p, r.bytesAt(off, len(p)))
	if n < len(p) && r.shortNilErr {
		return n, nil
	}
	if n < len(p) || (r.eofAtEnd && off+int64(n) == r.holds) {
		return n, io.EOF
	}
	return n, nil
}

func (r *reader) started() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.starts)
}

func (r *reader) startedBefore(t time.Duration) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := 0
	for _, s := range r.starts {
		if s.Sub(r.starts[0]) < t {
			k++
		}
	}
	return k - 1 // not chunk 0's own
}

func (r *reader) startedAfter(t time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := 0
	for _, s := range r.starts {
		if s.After(t) {
			k++
		}
	}
	return k
}

func (r *reader) startedAfterFailure() int {
	r.mu.Lock()
	failed := r.failedAt
	r.mu.Unlock()
	if failed.IsZero() {
		return 0
	}
	return r.startedAfter(failed)
}

func fixedLatency(d time.Duration) func(int64) time.Duration {
	return func(int64) time.Duration { return d }
}

// randomLatency returns made-up latencies up to 10ms, the same for the same
// seed and offset.
func randomLatency(seed uint64) func(int64) time.Duration {
	return func(off int64) time.Duration {
		r := rand.New(rand.NewPCG(seed, uint64(off)))
		return time.Duration(r.IntN(10_000)) * time.Microsecond
	}
}

func chunksOf(size int64, chunk int) int { return int((size + int64(chunk) - 1) / int64(chunk)) }

// runFetch runs Fetch over r, keeping every chunk delivered (and calling
// also on each, if not nil), and returns them with Fetch's error.
func runFetch(t *testing.T, ctx context.Context, r *reader, chunk, depth int, also func(Chunk)) ([]Chunk, error) {
	t.Helper()
	var got []Chunk
	err := fetchOnce(t, ctx, r, chunk, depth, func(c Chunk) error {
		got = append(got, c)
		if also != nil {
			also(c)
		}
		return nil
	})
	return got, err
}

// fetchOnce calls Fetch on a goroutine of its own and waits for it. It
// fails the test if Fetch has not returned after a day of bubble time, far
// longer than any test's reads take.
func fetchOnce(t *testing.T, ctx context.Context, r *reader, chunk, depth int, deliver func(Chunk) error) error {
	t.Helper()
	if deliver == nil {
		deliver = func(Chunk) error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		r.caller.Store(goid())
		done <- Fetch(ctx, r, r.size, chunk, depth, deliver)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(24 * time.Hour):
		t.Fatalf("Fetch never returned%s: every wait in Fetch must end when its reads return or ctx is done", whereStuck())
		return nil
	}
}

// checkChunks fails the test unless got is chunks 0 to n-1 of r, in order.
func checkChunks(t *testing.T, got []Chunk, r *reader, chunk, n int, where string) {
	t.Helper()
	for i, c := range got[:min(len(got), n)] {
		off := int64(i) * int64(chunk)
		if c.Index != i || c.Off != off {
			t.Fatalf("delivery %d was chunk %d at offset %d, want chunk %d at offset %d (%s): deliver chunks in order of offset, whatever order their reads finish in", i, c.Index, c.Off, i, off, where)
		}
		if want := r.bytesAt(off, chunk); string(c.Data) != string(want) {
			t.Fatalf("chunk %d's bytes were %q, want %q (%s)", i, c.Data, want, where)
		}
	}
	if len(got) != n {
		t.Fatalf("%d chunks were delivered, want %d (%s): deliver each chunk exactly once", len(got), n, where)
	}
}

// A gauge counts the reads in flight now and remembers the most at once.
type gauge struct {
	now, most atomic.Int64
}

func (g *gauge) enter() (leave func()) {
	v := g.now.Add(1)
	for {
		m := g.most.Load()
		if v <= m || g.most.CompareAndSwap(m, v) {
			break
		}
	}
	return func() { g.now.Add(-1) }
}

func (g *gauge) highWater() int64 { return g.most.Load() }

// goid returns the current goroutine's id, from the first line of its
// stack: "goroutine 18 [running]:".
func goid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	id, _ := strconv.ParseInt(f[1], 10, 64)
	return id
}

// goroutinesOfFetch counts the goroutines running code of the package
// under test: those whose stack names a file of it that is not a test file.
// Called once Fetch has returned, it counts what Fetch left behind.
func goroutinesOfFetch() int {
	count := 0
	for _, g := range goroutineDump() {
		if _, _, ok := codeLineIn(g); ok {
			count++
		}
	}
	return count
}

func goroutineDump() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// whereStuck says where this package's goroutines are blocked, from a dump
// of every goroutine: ", with your goroutines stuck in chan receive at
// fetcher.go:40", for up to three places; "" if there are none.
func whereStuck() string {
	var places []string
	for _, g := range goroutineDump() {
		state := goroutineState.FindStringSubmatch(g)
		file, line, ok := codeLineIn(g)
		if state == nil || !ok {
			continue
		}
		place := fmt.Sprintf("%s at %s:%s", strings.TrimSuffix(state[1], " (durable)"), file, line)
		if !slices.Contains(places, place) && len(places) < 3 {
			places = append(places, place)
		}
	}
	if len(places) == 0 {
		return ""
	}
	return ", with your goroutines stuck in " + strings.Join(places, ", ")
}

// codeLineIn returns the first file:line of stack text s that is in the
// package under test and not in a test file.
func codeLineIn(s string) (file, line string, ok bool) {
	for _, m := range sourceLine.FindAllStringSubmatch(s, -1) {
		if !strings.HasSuffix(m[1], "_test.go") {
			return m[1], m[2], true
		}
	}
	return "", "", false
}

var (
	goroutineState = regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)`)
	sourceLine     = regexp.MustCompile(`/fetcher/(\w+\.go):(\d+)`)
)
