module packcourse/lessons/06-global-governance

go 1.26.0

require (
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.25.0
	packcourse/lessons/00-the-job v0.0.0
	packcourse/lessons/03-channel-pipeline v0.0.0
	packcourse/lessons/04-streaming-io v0.0.0
)

require github.com/klauspost/compress v1.20.4 // indirect

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	packcourse/core v0.0.0
	packcourse/lessons/05-counters-atomics v0.0.0
)

replace packcourse/lessons/00-the-job => ../00-the-job

replace packcourse/lessons/03-channel-pipeline => ../03-channel-pipeline

replace packcourse/lessons/04-streaming-io => ../04-streaming-io

replace packcourse/lessons/02-bounded-fanout => ../02-bounded-fanout

replace packcourse/lessons/01-batch-convoy => ../01-batch-convoy

replace packcourse/core => ../../core

replace packcourse/lessons/05-counters-atomics => ../05-counters-atomics
