//go:build !linux

package worker

import (
	"errors"
	"os"
	"syscall"
)

// Outside Linux the pool still isolates parsing in a process with a time
// limit, but has no address-space limit or RSS watchdog.

func procAttr() *syscall.SysProcAttr { return nil }

func limitAddressSpace(int, int64) error { return nil }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func procMemory(int) (int64, int64, error) { return 0, 0, errors.ErrUnsupported }

func protocolOutput() (*os.File, error) { return os.Stdout, nil }
