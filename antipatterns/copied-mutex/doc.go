// Package copiedmutex shows a copied mutex: a Stats struct holds a
// sync.Mutex, and its Record method has a value receiver, so every call
// locks and updates a copy of the struct, mutex and all. Record looks
// locked and correct; every frame it records is lost. (Pass such a struct
// to a function by value and the same happens: two goroutines then hold
// "the" lock at once, each on its own copy.) go vet's copylocks check
// reports it; the broken program is a module of its own under testdata
// so that go vet of the course passes, as CI requires.
//
// Modelled on Workiva/go-rest#8: methods of muxAPI, which holds a
// sync.RWMutex, had value receivers, so they locked a copy; go vet found
// it and the fix made them pointer receivers.
package copiedmutex
