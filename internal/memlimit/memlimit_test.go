package memlimit

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		live uint64
		want int64
	}{
		{"nothing-live", 0, Floor},
		{"benchmark-site", 31 << 20, Floor},
		{"at-the-floor", Floor * roomDen / roomNum, Floor},
		{"large-packs", 60 << 20, 90 << 20},
		{"huge-site-end", 73 << 20, 109<<20 + 512<<10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Limit(Floor, tc.live); got != tc.want {
				t.Errorf("Limit(%d MiB live) = %d MiB, want %d", tc.live>>20, got>>20, tc.want>>20)
			}
		})
	}
}

// TestKeepFollowsTheLiveHeap: the limit starts at the floor and grows
// with a live heap past it (here a 16 MiB floor and 40 MiB live).
func TestKeepFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	stop := Keep(16<<20, 10*time.Millisecond)
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != 16<<20 {
		t.Fatalf("limit %d MiB at the start, want 16", got>>20)
	}
	held := make([][]byte, 40)
	for i := range held {
		held[i] = make([]byte, 1<<20)
		held[i][0] = 1
	}
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) < 60<<20 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got < 60<<20 {
		t.Errorf("limit %d MiB with 40 MiB live, want at least 60 (1.5 times the live heap)", got>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	for debug.SetMemoryLimit(-1) > 16<<20 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got != 16<<20 {
		t.Errorf("limit %d MiB once the heap is freed, want the floor again", got>>20)
	}
}

func TestKeepLeavesGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	before := debug.SetMemoryLimit(-1)
	stop := Keep(Floor, time.Millisecond)
	defer stop()
	time.Sleep(20 * time.Millisecond)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit changed to %d with GOMEMLIMIT set", got)
	}
}
