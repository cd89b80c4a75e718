module packcourse/lessons/11-crash-safe-output

go 1.26.0

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/prometheus/client_golang v1.25.0
	github.com/prometheus/client_model v0.6.3
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.25.0
	packcourse/lessons/00-the-job v0.0.0
	packcourse/lessons/03-channel-pipeline v0.0.0
	packcourse/lessons/04-streaming-io v0.0.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0
	packcourse/core v0.0.0
	packcourse/lessons/05-counters-atomics v0.0.0
	packcourse/lessons/06-global-governance v0.0.0
	packcourse/lessons/07-observability v0.0.0
	packcourse/lessons/08-io-queue-depth v0.0.0
	packcourse/lessons/09-fair-scheduling v0.0.0
	packcourse/lessons/10-adaptive-chunks v0.0.0
)

replace packcourse/lessons/00-the-job => ../00-the-job

replace packcourse/lessons/03-channel-pipeline => ../03-channel-pipeline

replace packcourse/lessons/04-streaming-io => ../04-streaming-io

replace packcourse/lessons/02-bounded-fanout => ../02-bounded-fanout

replace packcourse/lessons/01-batch-convoy => ../01-batch-convoy

replace packcourse/core => ../../core

replace packcourse/lessons/05-counters-atomics => ../05-counters-atomics

replace packcourse/lessons/06-global-governance => ../06-global-governance

replace packcourse/lessons/07-observability => ../07-observability

replace packcourse/lessons/08-io-queue-depth => ../08-io-queue-depth

replace packcourse/lessons/09-fair-scheduling => ../09-fair-scheduling

replace packcourse/lessons/10-adaptive-chunks => ../10-adaptive-chunks
