package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// stopSignals are the signals that stop a run: Ctrl-C and kill's default.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// onSignal returns a context that is cancelled when gotrace receives
// SIGINT or SIGTERM, a function that reports the signal received (nil
// before), and a function that ends the watch. The runs that use the
// context kill their child (its whole process group) and return, so that
// their temporary files are removed; a second signal exits at once, after
// cleanup() (which must be safe to call from another goroutine).
func onSignal(parent context.Context, cleanup func()) (ctx context.Context, got func() os.Signal, stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, stopSignals...)
	ctx, cancel := context.WithCancel(parent)
	var caught atomic.Value
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			caught.Store(s)
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-ch:
			cleanup()
			os.Exit(signalExitCode(s))
		case <-done:
		}
	}()
	got = func() os.Signal {
		s, _ := caught.Load().(os.Signal)
		return s
	}
	stop = func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	return ctx, got, stop
}

// signalName names a stop signal as kill(1) does.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// signalExitCode is the exit code of a process stopped by s, as shells
// report it: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
func signalExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + 2
}
