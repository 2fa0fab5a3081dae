// Command hsiteserve serves the hostile portal (internal/hostilesite) on
// loopback until interrupted, to profile an inspection of it by hand:
//
//	go run ./internal/hostilesite/hsiteserve   # prints the portal's URL
//	xunjian inspect --memprofile heap.pprof --cpuprofile cpu.pprof URL
//
// On exit it prints how many requests reached its internal server (there
// must be none).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/xunjian/xunjian/internal/hostilesite"
)

func main() {
	site, err := hostilesite.Start(hostilesite.Options{BombBytes: 512 << 20, Links: 1_000_000, NeverAnswering: 40})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hsiteserve:", err)
		os.Exit(1)
	}
	fmt.Println(site.URL)
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	<-c
	fmt.Fprintln(os.Stderr, "requests at the internal server:", site.InternalHits.Load())
	site.Close()
}
