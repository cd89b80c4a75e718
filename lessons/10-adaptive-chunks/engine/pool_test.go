package engine

import (
	"context"
	"testing"
	"testing/synctest"
)

// get hands out empty slots first, then waits while every buffer is in
// use, and a put wakes it with the very buffer put back: the memory is
// reused, not copied or reallocated.
func TestPoolGetWaitsUntilABufferIsPutBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(2)
		ctx := context.Background()
		a, _ := p.get(ctx, nil)
		b, _ := p.get(ctx, nil)
		if a != nil || b != nil {
			t.Fatal("a new pool's slots should hand out no buffer until one is made")
		}
		a = make([]byte, 0, 100)

		got := make(chan []byte)
		go func() {
			buf, _ := p.get(ctx, nil)
			got <- buf
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("get returned while both buffers were in use")
		default:
		}
		p.put(a)
		if buf := <-got; cap(buf) != 100 || &buf[:1][0] != &a[:1][0] {
			t.Error("get did not hand out the buffer just put back")
		}
	})
}

// A get waiting for a buffer gives up when its context is cancelled.
func TestPoolGetGivesUpWhenCancelled(t *testing.T) {
	p := newPool(1)
	if _, err := p.get(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.get(ctx, nil); err != context.Canceled {
		t.Errorf("get on an exhausted pool with a cancelled context returned %v, want context.Canceled", err)
	}
}

// Giving a buffer back twice is a bug the pool stops at, rather than
// letting two goroutines own one buffer.
func TestPoolPanicsOnAPutTooMany(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("put into a full pool did not panic")
		}
	}()
	newPool(1).put(make([]byte, 8))
}

// audit counts the buffers made, their capacity, and those not back.
func TestPoolAudit(t *testing.T) {
	p := newPool(3)
	ctx := context.Background()
	a, _ := p.get(ctx, nil)
	b, _ := p.get(ctx, nil)
	grown := append(a, make([]byte, 10)...) // made and grown by its user
	p.put(grown)
	_ = b // taken and never given back
	got := p.audit()
	if got.made != 1 || got.bytes != int64(cap(grown)) || got.out != 1 {
		t.Errorf("audit = %+v, want 1 buffer made, its capacity, 1 out", got)
	}
	if again := p.audit(); again != got {
		t.Errorf("a second audit = %+v, want the same as the first, %+v", again, got)
	}
}

// An adaptive run's buffers come in the Controller's sizes, so that later
// chunks of a size reuse the buffers of earlier ones: bufferLen gives a
// chunk of any length the smallest of those sizes that holds it, and a
// chunk of one of those sizes exactly its own size. Fixed chunks all get
// the header's chunk size. (The spares are keyed by capacity: were the
// capacities as many as the chunk lengths, nothing would ever be reused.)
func TestBufferLenIsOneOfTheControllersSizes(t *testing.T) {
	for _, capSize := range []int{1 << 20, 1000000} {
		fixed := newSizer(nil, capSize)
		adaptive := newSizer(&Adaptive{}, capSize)
		ladder := map[int]bool{}
		for size := capSize; size > 0; size /= 2 {
			ladder[size] = true
			if got := adaptive.bufferLen(size); got != size {
				t.Errorf("cap %d: a chunk of the Controller's size %d gets a buffer for %d", capSize, size, got)
			}
		}
		for _, n := range []int{1, 2, 3, 1000, 32 << 10, 32<<10 + 1, 300000, capSize/2 + 1, capSize - 1, capSize} {
			if got := fixed.bufferLen(n); got != capSize {
				t.Errorf("fixed chunks, cap %d: a chunk of %d gets a buffer for %d, want the cap", capSize, n, got)
			}
			got := adaptive.bufferLen(n)
			if !ladder[got] || got < n || got/2 >= n {
				t.Errorf("cap %d: a chunk of %d gets a buffer for %d, want the smallest of the cap halved some times that holds it", capSize, n, got)
			}
		}
	}
}
