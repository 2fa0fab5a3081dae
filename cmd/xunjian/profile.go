package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// profiles are --cpuprofile and --memprofile of inspect and scan, for
// measuring a whole run with go tool pprof (README, "Performance"). The
// heap profile is a snapshot taken when the heap is at its largest: it is
// written at the start and rewritten whenever the live heap (as of the
// last collection) has grown a tenth past the last snapshot. Its
// alloc_space sample counts every allocation of the run.
type profiles struct {
	cpu     *os.File
	memPath string
	stop    chan struct{}
	done    sync.WaitGroup
}

// startProfiles starts the profiles asked for (none: a no-op).
func startProfiles(cpuPath, memPath string) (*profiles, error) {
	p := &profiles{memPath: memPath, stop: make(chan struct{})}
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile：%w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("--cpuprofile：%w", err)
		}
		p.cpu = f
	}
	if memPath != "" {
		if err := p.writeHeap(); err != nil {
			p.end()
			return nil, err
		}
		p.done.Go(p.watchHeap)
	}
	return p, nil
}

// watchHeap snapshots the heap profile at each new high of the live heap.
func (p *profiles) watchHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var last uint64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if live := sample[0].Value.Uint64(); live > last+last/10 {
			last = live
			p.writeHeap()
		}
	}
}

// writeHeap writes the heap profile as of the last collection, replacing
// the file whole.
func (p *profiles) writeHeap() error {
	tmp, err := os.CreateTemp(filepath.Dir(p.memPath), ".memprofile-*")
	if err != nil {
		return fmt.Errorf("--memprofile：%w", err)
	}
	err = pprof.Lookup("heap").WriteTo(tmp, 0)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.memPath)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--memprofile：%w", err)
	}
	return nil
}

// end stops the profiles and writes them out.
func (p *profiles) end() {
	if p == nil {
		return
	}
	close(p.stop)
	p.done.Wait()
	if p.cpu != nil {
		pprof.StopCPUProfile()
		p.cpu.Close()
	}
}
