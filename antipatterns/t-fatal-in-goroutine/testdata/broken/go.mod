module example.com/fatalbroken

go 1.26.0
