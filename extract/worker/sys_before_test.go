//go:build linux

package worker

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

// statusFieldBefore is statusField as it was before it cut the lines in
// place: a bufio.Scanner over the status.
func statusFieldBefore(status []byte, name string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(name)) {
			continue
		}
		f := bytes.Fields(line[len(name):])
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(string(f[0]), 10, 64)
		return n << 10
	}
	return 0
}

// TestStatusFieldAsBefore holds statusField to the scanner it replaced,
// on random status files (lines in any order, CR LF, empty values, no
// final newline) and this process's own status.
func TestStatusFieldAsBefore(t *testing.T) {
	lines := []string{"VmRSS:\t  1234 kB", "VmHWM:\t 99 kB", "VmRSS:", "VmHWM:\t\t", "Name:\txunjian", "VmPeak:\t 5 kB", "VmRSS: x kB",
		"VmHWM:\t 12 kB\r", "", "\r", "VmRSS:\t 7 kB extra", "State:\tS (sleeping)"}
	names := []string{"VmRSS:", "VmHWM:", "VmPeak:", ""}
	rng := rand.New(rand.NewPCG(13, 14))
	for range 20000 {
		var b bytes.Buffer
		for k := range rng.IntN(8) {
			if k > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(lines[rng.IntN(len(lines))])
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('\n')
		}
		for _, name := range names {
			if got, want := statusField(b.Bytes(), name), statusFieldBefore(b.Bytes(), name); got != want {
				t.Fatalf("statusField(%q, %q) = %d, before %d", b.String(), name, got, want)
			}
		}
	}
}
