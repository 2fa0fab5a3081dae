package main

import (
	"fmt"
	"os"
	"os/signal"

	"github.com/xunjian/xunjian/internal/hostilesite"
)

func main() {
	site, err := hostilesite.Start(hostilesite.Options{BombBytes: 512 << 20, Links: 1_000_000, NeverAnswering: 40})
	if err != nil {
		panic(err)
	}
	fmt.Println(site.URL)
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	<-c
	fmt.Fprintln(os.Stderr, "internal hits", site.InternalHits.Load())
	site.Close()
}
