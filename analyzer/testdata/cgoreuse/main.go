// Command cgoreuse calls Go from 20 C threads, one after the other, so the
// runtime reuses one extra M and its goroutine id for every call: each call
// is a new lifetime of the same goroutine id. TestOracleReusedGoroutineIDs
// traces it (go run main.go > trace).
package main

/*
#include <pthread.h>

void goCallback(void);

static void *thr(void *arg) {
	goCallback();
	return 0;
}

static void callFromNewThread(void) {
	pthread_t th;
	pthread_create(&th, 0, thr, 0);
	pthread_join(th, 0);
}
*/
import "C"

import (
	"os"
	"runtime/trace"
	"time"
)

var req = make(chan chan struct{})

//export goCallback
func goCallback() {
	reply := make(chan struct{})
	req <- reply
	<-reply
}

func main() {
	trace.Start(os.Stdout)
	go func() {
		for r := range req {
			time.Sleep(2 * time.Millisecond)
			close(r)
		}
	}()
	for range 20 {
		C.callFromNewThread()
	}
	trace.Stop()
}
