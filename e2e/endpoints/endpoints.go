// Package endpoints stands in for the chart's Service in front of the OPA replicas: what
// kube-proxy does with a Service's ready endpoints. There is no kube-proxy, no kubelet and no
// pod network here, and the API server cannot reach a Service, so the webhook URL points at a
// TCP balancer on loopback that passes each connection (TLS untouched, end to end) to the next
// replica in turn, skipping a replica that refuses connections: as a replica whose pod is gone
// or not ready has no endpoint. This is the only simulated part of the OPA availability test;
// the replicas, the policy, the webhook and the API server are real.
package endpoints

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Balancer accepts on a loopback port and forwards to backends (host:port).
type Balancer struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	// Forwarded counts connections per backend.
	mu        sync.Mutex
	forwarded map[string]int
	wg        sync.WaitGroup
}

// Start listens on 127.0.0.1 (a free port) and serves until Close.
func Start(backends []string) (*Balancer, error) {
	if len(backends) == 0 {
		return nil, errors.New("no backends")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Balancer{ln: ln, backends: backends, forwarded: map[string]int{}}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

// Addr is host:port of the balancer.
func (b *Balancer) Addr() string { return b.ln.Addr().String() }

// Forwarded returns how many connections each backend got.
func (b *Balancer) Forwarded() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.forwarded))
	for k, v := range b.forwarded {
		out[k] = v
	}
	return out
}

// Close stops accepting and waits for the accept loop.
func (b *Balancer) Close() error {
	err := b.ln.Close()
	b.wg.Wait()
	return err
}

func (b *Balancer) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		go b.forward(c)
	}
}

// forward tries the backends round-robin from the next one; the first that accepts gets c.
func (b *Balancer) forward(c net.Conn) {
	defer c.Close()
	start := b.next.Add(1)
	for i := range len(b.backends) {
		addr := b.backends[(int(start)+i)%len(b.backends)]
		up, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			continue
		}
		b.mu.Lock()
		b.forwarded[addr]++
		b.mu.Unlock()
		done := make(chan struct{}, 2)
		go func() { _, _ = io.Copy(up, c); closeWrite(up); done <- struct{}{} }()
		go func() { _, _ = io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
		<-done
		<-done
		up.Close()
		return
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
