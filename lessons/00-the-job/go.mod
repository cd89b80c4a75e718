module packcourse/lessons/00-the-job

go 1.26.0

require go.uber.org/goleak v1.3.0

require (
	github.com/klauspost/compress v1.20.4 // indirect
	golang.org/x/crypto v0.59.0 // indirect
)

require (
	github.com/stretchr/testify v1.12.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
	packcourse/core v0.0.0
)

replace packcourse/core => ../../core
