module packcourse/lessons/01-batch-convoy

go 1.26.0

require packcourse/lessons/00-the-job v0.0.0

require github.com/klauspost/compress v1.20.4 // indirect

require (
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	packcourse/core v0.0.0
)

replace packcourse/lessons/00-the-job => ../00-the-job

replace packcourse/core => ../../core
