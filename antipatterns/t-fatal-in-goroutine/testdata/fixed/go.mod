module example.com/fatalfixed

go 1.26.0
