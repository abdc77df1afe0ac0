// Package nettest gives tests a server that has stopped answering: it
// listens on 127.0.0.1 and accepts every connection, and never says a
// word, as a stalled git server or GOPROXY does.
package nettest

import (
	"net"
	"sync"
	"testing"
)

// Hanging starts the server and returns its host:port; stop closes the
// listener and every connection it accepted.
func Hanging() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}, nil
}

// HangingServer is Hanging for one test, stopped when it ends.
func HangingServer(t testing.TB) string {
	t.Helper()
	addr, stop, err := Hanging()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}
