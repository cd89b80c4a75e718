module packcourse/tools

go 1.26
