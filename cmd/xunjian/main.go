// Command xunjian inspects Chinese government portals: homepage
// connectivity, broken links and more, with reports in JSON and HTML.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// A soft heap limit: the collector works harder near it instead of
	// letting a site's garbage raise the peak (GOMEMLIMIT wins). 100 MiB:
	// an inspection's live heap is about 45 MB at its peak, so the
	// collector runs about as often as without a limit (the 20,000-page
	// benchmark's wall time did not move, its peak RSS went from 177 to
	// 137 MB; the hostile suite's from 205 to 140 MB in 1 min 41 s against
	// 1 min 37 s); at 75 MiB it runs too often (+30 % wall time; +12–17 %
	// CPU once the crawl allocated less, README "memory floor").
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], newEnv(os.Stdout, os.Stderr, isTerminal(os.Stderr))))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
