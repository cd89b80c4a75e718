module packcourse/lessons/04-streaming-io

go 1.26.0

require packcourse/lessons/00-the-job v0.0.0

replace packcourse/lessons/00-the-job => ../00-the-job
