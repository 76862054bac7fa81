package controlplane

import (
	"fmt"
	"net"
)

// FreePorts asks the kernel for n distinct free TCP ports on 127.0.0.1, for
// the control plane and for backends started with StartProcess. The
// listeners are closed before the ports are used, so another process could
// take one in between; Start retries with new ports when a server then
// fails with "address already in use", and a backend should do the same.
func FreePorts(n int) ([]int, error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
