package worker

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/internal/race"
)

// TestMeasureAddressSpace finds the smallest RLIMIT_AS under which a
// worker still starts PDFium and reads a PDF, and prints the worker's
// virtual (VmPeak) and resident (VmHWM) peaks. It backs the default
// AddressSpace; run it with XUNJIAN_MEASURE=1 (README: attachment
// isolation).
func TestMeasureAddressSpace(t *testing.T) {
	if os.Getenv("XUNJIAN_MEASURE") == "" || race.Enabled {
		t.Skip("set XUNJIAN_MEASURE=1 (and no -race) to measure")
	}
	ctx := context.Background()
	pdf := fixtures.GBKPDF("关于低保名单的公示")
	try := func(as int64) (ok bool, vmPeak, hwm int64) {
		p, err := New(Config{Workers: 1, AddressSpace: as, MemoryLimit: 4 << 30})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := p.Extract(ctx, "a.pdf", pdf); err != nil {
			t.Logf("RLIMIT_AS %d MiB: %v", as>>20, err)
			return false, 0, 0
		}
		p.mu.Lock()
		pid := p.idle[0].pid
		p.mu.Unlock()
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		return true, statusField(b, "VmPeak:"), statusField(b, "VmHWM:")
	}
	ok, peak, hwm := try(-1)
	if !ok {
		t.Fatal("no PDF without a limit")
	}
	t.Logf("no RLIMIT_AS: VmPeak %d MiB, VmHWM %d MiB", peak>>20, hwm>>20)
	lo, hi := int64(64<<20), int64(8<<30)
	for hi-lo > 32<<20 {
		mid := (lo + hi) / 2
		if ok, _, _ := try(mid); ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	t.Logf("smallest RLIMIT_AS that reads the PDF: %d MiB", hi>>20)
}
