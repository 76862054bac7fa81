package endpoints

import (
	"bufio"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echo serves one line back with its name prefixed, until closed.
func echo(t *testing.T, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				_, _ = c.Write([]byte(name + ":" + line))
			}()
		}
	}()
	return ln
}

func ask(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hi\n"))
	require.NoError(t, err)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line
}

func TestBalancer(t *testing.T) {
	a, b := echo(t, "a"), echo(t, "b")
	lb, err := Start([]string{a.Addr().String(), b.Addr().String()})
	require.NoError(t, err)
	defer lb.Close()
	got := map[string]int{}
	for range 4 {
		got[ask(t, lb.Addr())]++
	}
	assert.Equal(t, map[string]int{"a:hi\n": 2, "b:hi\n": 2}, got, "round robin over live backends, bytes passed through")

	require.NoError(t, b.Close())
	for range 4 {
		assert.Equal(t, "a:hi\n", ask(t, lb.Addr()), "a backend that refuses connections is skipped")
	}
	require.NoError(t, a.Close())
	assert.Equal(t, "", ask(t, lb.Addr()), "no backend: the connection is closed")

	_, err = Start(nil)
	assert.Error(t, err)
}
