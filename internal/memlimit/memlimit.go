// Package memlimit keeps xunjian's soft memory limit
// (runtime/debug.SetMemoryLimit) low, without letting it cost the run its
// speed.
//
// With the collector's default pacing (GOGC=100) the heap grows to twice
// what is live before each collection, and the runtime keeps the freed
// pages until the scavenger returns them: an inspection with 33 MB live
// peaked at 127 MB of RSS. A soft limit makes the collector and scavenger
// keep the process under it instead; set too close to the live heap, the
// collector runs without pause (at 75 MiB with 45 MB live a run took 15 %
// longer). Keep sets a floor measured on the 20,000-page benchmark site
// (README "Performance") and raises the limit when the live heap outgrows
// it, so that a run with more to hold (large user packs, huge sites) keeps
// the collector's usual room instead of thrashing.
package memlimit

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Floor is the limit a run keeps while its live heap is small: 64 MiB.
// The binary's own file-backed pages (about 30 MB resident: code, type
// data, the function table) come on top: a default inspection of the
// heavy benchmark site peaks at 94 MB of RSS (README "Performance").
const Floor = 64 << 20

// roomNum/roomDen is the limit's multiple of the live heap once that
// outgrows the floor: 1.5, so the heap's goal is the limit less the
// runtime's own memory (stacks, metadata: ~12 MB), a little over what is
// live plus a third. Twice the live heap (tried first) let an
// 80,000-page run's end (its reference log read back: ~73 MB live) grow to
// 183 MB of RSS, where the former fixed 100 MiB limit had held it to 140.
const roomNum, roomDen = 3, 2

// Interval is how often Keep reads the live heap.
const Interval = 250 * time.Millisecond

// Keep sets the soft memory limit to floor and then, every interval until
// the returned stop is called, to the larger of floor and room times the
// live heap (as the last collection measured it). It does nothing when
// GOMEMLIMIT is set: the user's limit wins.
func Keep(floor int64, interval time.Duration) (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetMemoryLimit(floor)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(interval)
		defer t.Stop()
		limit := floor
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(s)
			if s[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if want := Limit(floor, s[0].Value.Uint64()); want != limit {
				limit = want
				debug.SetMemoryLimit(limit)
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// Limit is the limit Keep sets for a live heap of live bytes.
func Limit(floor int64, live uint64) int64 {
	return max(floor, int64(live)*roomNum/roomDen)
}
