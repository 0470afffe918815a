// Workload server: an HTTP server whose requests do known work.
//
// "Why was this request slow?" needs a program whose answer is known. Every
// request of this server is a runtime/trace task of type "request" and does
// the same four things: it takes one sync.Mutex shared by all requests and
// burns `hold` of CPU holding it (region "lock"), sleeps `db` (region "db"),
// burns `compute` of CPU (region "compute") and hands `handoff` of CPU work
// to a pool of `workers` goroutines, waiting for the reply (region
// "handoff"). A task's breakdown and critical path should show those times,
// and the wait for the pool as time of serverWorker running.

package workloads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"runtime/trace"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "server",
		Summary: "HTTP server whose requests lock, sleep, compute and wait on a worker pool: task breakdowns and critical paths",
		Doc: "Request latency with known causes: an HTTP server (net/http) on 127.0.0.1 and `clients` " +
			"keep-alive client goroutines issuing `requests` GET requests in all. Each request is a " +
			"runtime/trace task of type \"request\" whose handler, in order: takes one sync.Mutex shared " +
			"by all requests and burns `hold` of CPU holding it (region \"lock\"); sleeps `db` with " +
			"time.Sleep (region \"db\"); burns `compute` of CPU on its own goroutine (region \"compute\"); " +
			"and sends a job to a pool of `workers` goroutines (start function serverWorker), which " +
			"burns `handoff` of CPU and replies, while the handler waits on a channel (region " +
			"\"handoff\"). A duration of 0 skips its step. Per request, the breakdown of the " +
			"\"request\" tasks should show about `hold` + `compute` running, `db` waiting (sleep), the " +
			"time queued for the mutex waiting (sync), about `handoff` or more waiting (chan) on the " +
			"handler, and runnable time when more goroutines want CPU than there are Ps; the " +
			"critical path should show the mutex wait and `hold` running, the sleep in db, the " +
			"compute, and the wait for the pool as serverWorker running for about `handoff` (plus " +
			"its queueing when more handlers than workers wait). The workload measures requests per second, the latency clients see (mean, p99 " +
			"and worst), and the handlers' mean wait for the mutex and for the pool's reply.",
		Params: []Param{
			{Name: "clients", Kind: Int, Default: "8", Min: "1", Max: "1000", Help: "client goroutines (one keep-alive connection each)"},
			{Name: "requests", Kind: Int, Default: "5000", Min: "1", Max: "10000000", Help: "GET requests in all, shared by the clients"},
			{Name: "hold", Kind: Duration, Default: "50us", Min: "0s", Max: "1s", Help: "CPU time each request spends holding the shared mutex"},
			{Name: "db", Kind: Duration, Default: "200us", Min: "0s", Max: "1s", Help: "time each request sleeps in region \"db\""},
			{Name: "compute", Kind: Duration, Default: "100us", Min: "0s", Max: "1s", Help: "CPU time each request burns on its handler goroutine"},
			{Name: "handoff", Kind: Duration, Default: "100us", Min: "0s", Max: "1s", Help: "CPU time each request hands to the worker pool and waits for"},
			{Name: "workers", Kind: Int, Default: "4", Min: "1", Max: "1000", Help: "worker pool goroutines (serverWorker)"},
		},
		Gate: Gate{Metric: "measure.requests_per_sec", HigherIsBetter: true, ThresholdPct: 10},
		run:  runServer,
		memory: func(v Values) (int64, int64, string) {
			// Per client: its goroutine, the transport's read and write
			// loops and the server's connection goroutine, their bufio
			// buffers and the socket buffers; a latency per request.
			c, n, w := int64(v.Int("clients")), int64(v.Int("requests")), int64(v.Int("workers"))
			return c*(4*goroutineBytes+16<<10+64<<10) + 8*n + w*goroutineBytes, 4*c + w,
				fmt.Sprintf("%s connections x 4 goroutines and buffers, %s latencies", count(c), count(n))
		},
	})
}

// serverJob is a handler's request to the worker pool: burn d of CPU, then
// send on done.
type serverJob struct {
	d    time.Duration
	done chan struct{}
}

// serverWorker is a goroutine of the worker pool, and its start function
// (the name an analysis finds on a request's critical path): it runs jobs
// until jobs is closed, then calls pool.Done.
func serverWorker(ctx context.Context, jobs <-chan serverJob, pool *sync.WaitGroup) {
	defer pool.Done()
	for j := range jobs {
		spinCtx(ctx, j.d)
		j.done <- struct{}{}
	}
}

// serverStats are the handlers' own measurements.
type serverStats struct {
	handled     atomic.Int64
	lockWait    atomic.Int64 // ns, summed
	handoffWait atomic.Int64 // ns, summed
}

// serverHandler is the request handler: one "request" task doing the work of
// the parameters.
func serverHandler(env *Env, mu *sync.Mutex, jobs chan<- serverJob, st *serverStats) http.HandlerFunc {
	hold, db, compute, handoff := env.Duration("hold"), env.Duration("db"), env.Duration("compute"), env.Duration("handoff")
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, task := trace.NewTask(r.Context(), "request")
		defer task.End()
		if hold > 0 && ctx.Err() == nil {
			trace.WithRegion(ctx, "lock", func() {
				t := time.Now()
				mu.Lock()
				st.lockWait.Add(int64(time.Since(t)))
				spinCtx(ctx, hold)
				mu.Unlock()
			})
		}
		if db > 0 && ctx.Err() == nil {
			trace.WithRegion(ctx, "db", func() { time.Sleep(db) })
		}
		if compute > 0 && ctx.Err() == nil {
			trace.WithRegion(ctx, "compute", func() { spinCtx(ctx, compute) })
		}
		if handoff > 0 && ctx.Err() == nil {
			trace.WithRegion(ctx, "handoff", func() {
				t := time.Now()
				done := make(chan struct{}, 1)
				jobs <- serverJob{d: handoff, done: done}
				<-done
				st.handoffWait.Add(int64(time.Since(t)))
			})
		}
		if ctx.Err() != nil {
			http.Error(w, "cancelled", http.StatusServiceUnavailable)
			return
		}
		st.handled.Add(1)
		io.WriteString(w, "ok\n")
	}
}

func runServer(ctx context.Context, env *Env) error {
	clients, requests, workers := env.Int("clients"), env.Int("requests"), env.Int("workers")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	goroutines := runtime.NumGoroutine()

	// The pool. The handlers that send to it have all returned before it
	// is closed (see gate).
	jobs := make(chan serverJob)
	var pool sync.WaitGroup
	pool.Add(workers)
	for range workers {
		go serverWorker(ctx, jobs, &pool)
	}

	var mu sync.Mutex
	var st serverStats
	// Handlers hold gate for reading while they run (no waiting: they
	// never contend with each other); closing it waits for them, and no
	// handler sends to the pool after.
	var gate sync.RWMutex
	var closed bool
	handler := serverHandler(env, &mu, jobs, &st)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gate.RLock()
			defer gate.RUnlock()
			if closed {
				http.Error(w, "shutting down", http.StatusServiceUnavailable)
				return
			}
			handler(w, r)
		}),
		// Requests are tasks under the workload's task, cancelled with it.
		BaseContext: func(net.Listener) context.Context { return ctx },
		// A cancelled run cuts requests off; that is no error to print.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	client := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/"

	var next atomic.Int64
	lat := make([]time.Duration, requests)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	wg.Add(clients)
	t0 := time.Now()
	for i := range clients {
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "client", func() {
				for ctx.Err() == nil {
					n := next.Add(1) - 1
					if n >= int64(requests) {
						return
					}
					t := time.Now()
					if err := httpGet(ctx, client, url); err != nil {
						if ctx.Err() == nil {
							errs[i] = err
						}
						return
					}
					lat[n] = time.Since(t)
				}
			})
		}()
	}
	wg.Wait()
	wall := time.Since(t0)

	// Shut down: the clients' idle connections, then the server (which
	// closes its idle connections and waits for active ones), then the
	// pool. When cancelled, close everything at once and wait for the
	// handlers, which stop at their next step.
	tr.CloseIdleConnections()
	if ctx.Err() != nil {
		srv.Close()
	} else {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		cancel()
	}
	gate.Lock()
	closed = true
	gate.Unlock()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	close(jobs)
	pool.Wait()
	// The connections' goroutines end soon after their sockets close.
	for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > goroutines && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("client %d: %w", i, err)
		}
	}

	n := int(st.handled.Load())
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	slices.Sort(lat)
	env.Measure(Measurement{Name: "requests", Value: float64(n), Unit: "count", Help: "requests the handlers completed"})
	env.Measure(Measurement{Name: "requests_per_sec", Value: perSec(requests, wall), Unit: "requests/s"})
	env.Measure(Measurement{Name: "latency_ns", Value: nsPer(sum, requests), Unit: "ns", Help: "mean request latency the clients saw (request sent to body read)"})
	env.Measure(Measurement{Name: "latency_p99_ns", Value: float64(lat[(len(lat)*99)/100].Nanoseconds()), Unit: "ns", Help: "99th percentile of the request latency"})
	env.Measure(Measurement{Name: "latency_max_ns", Value: float64(lat[len(lat)-1].Nanoseconds()), Unit: "ns", Help: "longest request latency"})
	env.Measure(Measurement{Name: "lock_wait_ns", Value: nsPer(time.Duration(st.lockWait.Load()), n), Unit: "ns", Help: "mean time a handler waited for the shared mutex"})
	env.Measure(Measurement{Name: "handoff_wait_ns", Value: nsPer(time.Duration(st.handoffWait.Load()), n), Unit: "ns", Help: "mean time a handler waited for the pool's reply (handoff included)"})
	return nil
}

// httpGet issues one GET request and reads the body.
func httpGet(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
