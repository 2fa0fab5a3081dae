package benchtext

import (
	"testing"
	"time"
)

// CPU measures the process's CPU time (user and system) over a benchmark
// loop, so that throughput can be reported per CPU-second beside the
// wall-clock figure: on a shared machine other processes stretch wall time,
// not the CPU time this process spends.
type CPU struct{ start time.Duration }

// StartCPU starts measuring (call it after b.ResetTimer).
func StartCPU() CPU { return CPU{start: cpuTime()} }

// Report adds the "MB/cpu-s" metric for b.N loops over size bytes.
func (c CPU) Report(b *testing.B, size int64) {
	spent := cpuTime() - c.start
	if spent <= 0 {
		return
	}
	b.ReportMetric(float64(size)*float64(b.N)/spent.Seconds()/1e6, "MB/cpu-s")
}

// ReportOp adds the "cpu-ns/op" metric: the process's CPU time per loop
// (the collector's background work included), which a busy machine does
// not stretch as it stretches ns/op.
func (c CPU) ReportOp(b *testing.B) {
	spent := cpuTime() - c.start
	if spent <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
