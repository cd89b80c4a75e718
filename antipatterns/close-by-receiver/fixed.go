package closebyreceiver

import "packcourse/antipatterns/internal/pipeline"

// PackFixed leaves closing frames to its only sender. The writer says
// "stop" on a channel of its own, stop, which the producer selects on with
// every send, and the producer closes frames when it returns. The rule: a
// channel is closed by its sender, once, and "stop" flows the other way on
// another channel (or a context, as lessons 02-04 do).
func PackFixed(chunks []pipeline.Chunk, write WriteFunc) error {
	frames := make(chan pipeline.Frame)
	stop := make(chan struct{})
	go func() {
		defer close(frames)
		for _, c := range chunks {
			select {
			case frames <- pipeline.Compress(c):
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range frames { // let the producer finish before returning
		}
	}()
	for f := range frames {
		if err := write(f); err != nil {
			return err
		}
	}
	return nil
}
