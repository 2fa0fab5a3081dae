// Package profiling writes the profiles `inspect --cpuprofile` and
// `--memprofile` ask for: a CPU profile of the whole run, and the heap
// profile at the run's peak of live heap (what held memory when memory was
// highest, not what is left at the end), both for `go tool pprof`.
package profiling

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// Profiler is a running profile; Stop writes what is left and closes the
// files.
type Profiler struct {
	cpu      *os.File
	memPath  string
	stop     chan struct{}
	done     sync.WaitGroup
	mu       sync.Mutex
	peak     uint64 // live heap bytes of the profile written
	written  bool
	writeErr error
}

// Interval is how often the live heap is read.
const Interval = 50 * time.Millisecond

// Start starts a CPU profile into cpuPath and watches the live heap for
// memPath; either may be empty.
func Start(cpuPath, memPath string) (*Profiler, error) {
	p := &Profiler{memPath: memPath, stop: make(chan struct{})}
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		p.cpu = f
	}
	if memPath != "" {
		if err := p.writeHeap(0); err != nil { // the file is writable, and exists even for a short run
			p.Stop()
			return nil, err
		}
		p.done.Go(p.watch)
	}
	return p, nil
}

// watch rewrites the heap profile each time the live heap, as the
// collector last measured it, passes its peak by a sixteenth: the heap
// profile describes that same collection.
func (p *Profiler) watch() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		live := s[0].Value.Uint64()
		p.mu.Lock()
		peak := p.peak
		p.mu.Unlock()
		if live > peak+peak/16 {
			p.writeHeap(live)
		}
	}
}

func (p *Profiler) writeHeap(live uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	tmp := p.memPath + ".tmp"
	f, err := os.Create(tmp)
	if err == nil {
		err = errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
	}
	if err == nil {
		err = os.Rename(tmp, p.memPath)
	}
	if err != nil {
		os.Remove(tmp)
		p.writeErr = fmt.Errorf("heap profile: %w", err)
		return p.writeErr
	}
	p.peak, p.written = live, live > 0
	return nil
}

// Peak is the live heap, in bytes, the heap profile was written at (0
// before the first collection).
func (p *Profiler) Peak() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Stop ends the CPU profile and the heap watch; a run too short for a
// collection gets the heap profile of its end.
func (p *Profiler) Stop() error {
	select {
	case <-p.stop:
		return p.writeErr
	default:
		close(p.stop)
	}
	p.done.Wait()
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpu.Close())
	}
	if p.memPath != "" && !p.written {
		runtime.GC()
		errs = append(errs, p.writeHeap(0))
	}
	return errors.Join(append(errs, p.writeErr)...)
}
