// Workload net: loopback TCP clients and an echo server.
//
// Network I/O in Go does not block threads: a goroutine whose read or write
// would block is parked on the netpoller (reason "network") and its thread
// runs other goroutines; when the socket is ready, the poller makes the
// goroutine runnable again. `clients` goroutines each make `rounds` round
// trips of `size` bytes to an echo server on 127.0.0.1; the report shows
// network blocking time and its stacks, and the workload measures round-trip
// time and throughput.

package workloads

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "net",
		Summary: "loopback TCP echo server and clients: network blocking through the netpoller",
		Doc: "Network blocking: an echo server on 127.0.0.1 (one goroutine per connection) and " +
			"`clients` client goroutines, each making `rounds` round trips of `size` bytes. " +
			"Goroutines waiting for the socket park on the netpoller instead of holding a thread, " +
			"so the report shows Waiting with reason \"network\" (block.net) rather than syscalls " +
			"that lose their P. The workload measures the mean round-trip time and the throughput.",
		Params: []Param{
			{Name: "clients", Kind: Int, Default: "8", Min: "1", Max: "10000", Help: "client goroutines (one connection each)"},
			{Name: "rounds", Kind: Int, Default: "4000", Min: "1", Max: "100000000", Help: "round trips per client"},
			{Name: "size", Kind: Int, Default: "512", Min: "1", Max: "16777216", Help: "bytes per message"},
		},
		Gate: Gate{Metric: "measure.round_trips_per_sec", HigherIsBetter: true, ThresholdPct: 10},
		run:  runNet,
		memory: func(v Values) (int64, int64, string) {
			// A message buffer on each side of each connection, and the
			// socket buffers.
			c, size := int64(v.Int("clients")), int64(v.Int("size"))
			return c * (4*size + 2*goroutineBytes + 64<<10), 2 * c, fmt.Sprintf("%s connections x 4 messages of %d bytes", count(c), size)
		},
	})
}

func runNet(ctx context.Context, env *Env) error {
	clients, rounds, size := env.Int("clients"), env.Int("rounds"), env.Int("size")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var conns sync.WaitGroup // server side
	serverDone := make(chan struct{})
	go func() { // accept loop
		defer close(serverDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				trace.WithRegion(ctx, "echo", func() { echo(c, size) })
			}()
		}
	}()

	// Stop everything when ctx is done.
	var mu sync.Mutex
	var open []net.Conn
	stopOnCancel := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range open {
			c.Close()
		}
	})
	defer stopOnCancel()

	errs := make([]error, clients)
	rtts := make([]time.Duration, clients)
	done := make([]int, clients)
	var wg sync.WaitGroup
	wg.Add(clients)
	t0 := time.Now()
	for i := 0; i < clients; i++ {
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			defer c.Close()
			out, in := make([]byte, size), make([]byte, size)
			for j := range out {
				out[j] = byte(i + j)
			}
			trace.WithRegion(ctx, "client", func() {
				for r := 0; r < rounds && ctx.Err() == nil; r++ {
					t := time.Now()
					if _, err := c.Write(out); err != nil {
						errs[i] = err
						return
					}
					if _, err := io.ReadFull(c, in); err != nil {
						errs[i] = err
						return
					}
					rtts[i] += time.Since(t)
					done[i]++
				}
			})
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	ln.Close()
	<-serverDone
	conns.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("client %d: %w", i, err)
		}
	}

	var n int
	var rtt time.Duration
	for i := range done {
		n += done[i]
		rtt += rtts[i]
	}
	env.Measure(Measurement{Name: "round_trips", Value: float64(n), Unit: "count"})
	env.Measure(Measurement{Name: "rtt_ns", Value: nsPer(rtt, n), Unit: "ns", Help: "mean round-trip time (write, then read the echo)"})
	env.Measure(Measurement{Name: "round_trips_per_sec", Value: perSec(n, wall), Unit: "round trips/s"})
	if wall > 0 {
		env.Measure(Measurement{Name: "throughput_bytes_per_sec", Value: 2 * float64(n) * float64(size) / wall.Seconds(), Unit: "bytes/s",
			Help: "bytes sent and received by the clients per second"})
	}
	return nil
}

// echo writes back what it reads until the peer closes the connection.
func echo(c net.Conn, size int) {
	buf := make([]byte, max(size, 4096))
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // io.EOF when the client is done
			return
		}
	}
}
