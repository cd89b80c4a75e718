module example.com/copiedmutexbroken

go 1.26.0
