// Package waitgroupreuse shows WaitGroup misuse that panics, reuse before
// Wait has returned: a server counts the packs in flight on a WaitGroup and
// Shutdown waits on it, while a client keeps sending files. When the last
// pack in flight ends, Wait is woken; if the client's next pack Adds before
// the woken Wait has run, Wait finds the counter above zero again and
// panics: "sync: WaitGroup is reused before previous Wait has returned".
// The rule broken: once Wait may have begun, a new Add must wait until it
// has returned.
//
// Modelled on etcd-io/etcd#6534 (EtcdServer.run waited on its WaitGroup in
// a defer while other goroutines could still Add) and vitessio/vitess#14933
// (the tablet's request WaitGroup panicked the same way, rarely).
package waitgroupreuse

import (
	"errors"
	"sync"
)

// ErrClosed reports a pack refused because the server is shutting down.
var ErrClosed = errors.New("server is shutting down")

// A Packer turns a file's bytes into a container.
type Packer func(data []byte) []byte

// ServerBroken packs files for clients; Shutdown waits for the packs in
// flight.
type ServerBroken struct {
	pack     Packer
	inflight sync.WaitGroup
}

// NewServerBroken returns a server that packs with pack.
func NewServerBroken(pack Packer) *ServerBroken { return &ServerBroken{pack: pack} }

// Pack packs one file. It never refuses one.
func (s *ServerBroken) Pack(data []byte) ([]byte, error) {
	s.inflight.Add(1) // The mistake: nothing stops this Add once Shutdown's Wait has begun.
	defer s.inflight.Done()
	return s.pack(data), nil
}

// Shutdown returns once no pack is in flight.
func (s *ServerBroken) Shutdown() { s.inflight.Wait() }
