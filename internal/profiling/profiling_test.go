package profiling

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

var held [][]byte

// allocPeak holds 64 MB for a while, then lets it go.
//
//go:noinline
func allocPeak() {
	for range 64 {
		held = append(held, bytes.Repeat([]byte{1}, 1<<20))
	}
	runtime.GC()
	time.Sleep(4 * Interval)
	held = nil
	runtime.GC()
}

// The heap profile is written at the peak (64 MB live, held by allocPeak),
// and later, smaller heaps do not replace it; the CPU profile is written.
func TestPeakHeapProfile(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	p, err := Start(cpu, mem)
	if err != nil {
		t.Fatal(err)
	}
	allocPeak()
	for i := 0; i < 3; i++ { // later, smaller heaps do not replace it
		runtime.GC()
		time.Sleep(2 * Interval)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if p.Peak() < 64<<20 {
		t.Errorf("peak %d MB, want at least 64", p.Peak()>>20)
	}
	for _, f := range []string{cpu, mem} {
		if b := unzip(t, f); len(b) == 0 {
			t.Errorf("%s empty", f)
		}
	}
	if b := unzip(t, mem); !bytes.Contains(b, []byte("profiling.allocPeak")) {
		t.Error("the heap profile does not name allocPeak: not the peak's")
	}
	if _, err := os.Stat(mem + ".tmp"); err == nil {
		t.Error("temporary file left")
	}
}

// A run too short for a collection still gets its heap profile; an
// unwritable path is an error at the start.
func TestShortRunAndBadPath(t *testing.T) {
	mem := filepath.Join(t.TempDir(), "mem.pprof")
	p, err := Start("", mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if len(unzip(t, mem)) == 0 {
		t.Error("no heap profile")
	}
	if _, err := Start(filepath.Join(t.TempDir(), "no", "such", "cpu.pprof"), ""); err == nil {
		t.Error("unwritable CPU profile path accepted")
	}
	if _, err := Start("", filepath.Join(t.TempDir(), "no", "such", "mem.pprof")); err == nil {
		t.Error("unwritable heap profile path accepted")
	}
}

func unzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
