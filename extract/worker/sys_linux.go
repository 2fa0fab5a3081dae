//go:build linux

package worker

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// procAttr puts a worker in its own process group (the pool kills the
// group, and a terminal's Ctrl-C reaches only the parent) and kills it
// when the parent dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// limitAddressSpace sets a started worker's RLIMIT_AS from the parent
// (prlimit), before the worker is sent anything to parse.
func limitAddressSpace(pid int, bytes int64) error {
	if bytes <= 0 {
		return nil
	}
	lim := &unix.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	if err := unix.Prlimit(pid, unix.RLIMIT_AS, lim, nil); err != nil {
		return fmt.Errorf("prlimit RLIMIT_AS: %w", err)
	}
	return nil
}

// killGroup kills the worker and anything it started.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// procMemory reads a process's resident set (VmRSS) and its peak (VmHWM).
func procMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	return statusField(b, "VmRSS:"), statusField(b, "VmHWM:"), nil
}

// statusField reads a "Name:   123 kB" line of /proc/PID/status in bytes.
// The lines are cut in place (a bufio.Scanner's 4 KB buffer, twice every
// 20 ms of every attachment's extraction, was 10 MB of a run).
func statusField(status []byte, name string) int64 {
	for len(status) > 0 {
		var line []byte
		line, status, _ = bytes.Cut(status, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'}) // as bufio.ScanLines
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

// protocolOutput keeps the real stdout for the protocol and points file
// descriptor 1 at stderr, so that a library printing to stdout cannot
// corrupt the frames.
func protocolOutput() (*os.File, error) {
	fd, err := unix.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("dup stdout: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.Dup2(2, 1); err != nil {
		return nil, fmt.Errorf("redirect stdout: %w", err)
	}
	return os.NewFile(uintptr(fd), "protocol"), nil
}
