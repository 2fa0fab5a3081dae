// Command xunjian inspects Chinese government portals: homepage
// connectivity, broken links and more, with reports in JSON and HTML.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/xunjian/xunjian/internal/memlimit"
)

func main() {
	// A soft memory limit: the collector works harder near it instead of
	// letting a site's garbage raise the peak; it grows with the live heap
	// past its floor, for the process's life (internal/memlimit; GOMEMLIMIT
	// wins). An attachment worker sets its own (extract/worker).
	if len(os.Args) < 2 || os.Args[1] != "extract-worker" {
		memlimit.Keep(memlimit.Floor, memlimit.Interval)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], newEnv(os.Stdout, os.Stderr, isTerminal(os.Stderr))))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
