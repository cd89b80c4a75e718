package files

import "io"

// syncStretch is how many bytes of a temporary file are written between
// two syncs in the background (see stageWriter). Large enough that a sync
// is rare (one per 8 MiB, and none for a smaller file), small enough that
// the sync before the rename has little left to do.
const syncStretch = 8 << 20

// docs:region stage-writer
// stageWriter writes the temporary file. It marks write errors as
// StageWrite, so the caller can tell a full disk from a failure of
// whatever was producing the bytes. And every syncStretch bytes it has a
// goroutine of its own sync the file while the writing goes on.
//
// Why: the file must be synced before the rename, and that sync waits for
// every byte not yet on stable storage. Left alone, the kernel starts
// writing dirty pages back only after many seconds, so a run of a few
// seconds would do all its disk writing in that one final sync, one
// goroutine waiting while the cores that made the bytes sit idle (about
// a quarter of a 64 MiB unpack). Synced as it goes, the disk works while
// the pipeline does, and the final sync waits for the last stretch only.
type stageWriter struct {
	f       File
	stretch int64   // bytes between background syncs
	written int64   // bytes written so far
	asked   int64   // bytes written when a sync was last asked for
	syncer  *syncer // nil until the first stretch is written
}

// newStageWriter writes f, syncing it every stretch bytes.
func newStageWriter(f File, stretch int64) *stageWriter {
	return &stageWriter{f: f, stretch: stretch}
}

func (s *stageWriter) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.written += int64(n)
	if err != nil {
		return n, &StageError{StageWrite, err}
	}
	if s.written-s.asked >= s.stretch {
		if s.syncer == nil {
			s.syncer = startSyncer(s.f)
		}
		s.syncer.ask()
		s.asked = s.written
	}
	return n, nil
}

// stop waits for the background sync, if any, to end and returns the
// first error a background sync met. It must be called before the file is
// synced for the last time or closed: on Linux a failed sync reports its
// error once, so an error seen only here would otherwise be lost.
func (s *stageWriter) stop() error {
	if s.syncer == nil {
		return nil
	}
	err := s.syncer.stop()
	s.syncer = nil
	return err
}

// docs:endregion stage-writer

// A syncer syncs one file in the background each time it is asked; asks
// that come while it is syncing fold into one more sync.
type syncer struct {
	f    File
	asks chan struct{} // capacity 1: one sync pending at most
	done chan struct{} // closed when the goroutine has ended
	err  error         // the first sync's error; read after done
}

func startSyncer(f File) *syncer {
	s := &syncer{f: f, asks: make(chan struct{}, 1), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *syncer) run() {
	defer close(s.done)
	for range s.asks {
		if s.err == nil {
			s.err = s.f.Sync()
		}
	}
}

// ask asks for a sync without waiting: if one is pending already, the
// pending one will cover the bytes written since.
func (s *syncer) ask() {
	select {
	case s.asks <- struct{}{}:
	default:
	}
}

func (s *syncer) stop() error {
	close(s.asks)
	<-s.done
	return s.err
}

var _ io.Writer = (*stageWriter)(nil)
