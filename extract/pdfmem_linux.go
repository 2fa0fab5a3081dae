//go:build linux

package extract

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// linearMemory backs WebAssembly memories with an anonymous mapping of
// their maximum size (PDFium's, capped by Config.PDFMemory): growing is
// free, nothing is copied, and the pages go back to the kernel at once
// when the instance is closed.
type linearMemory struct{}

func (linearMemory) Allocate(capacity, max uint64) experimental.LinearMemory {
	b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return &sliceMemory{}
	}
	return &mmapMemory{buf: b[:0]}
}

type mmapMemory struct{ buf []byte }

func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(m.buf)) {
		return nil
	}
	m.buf = m.buf[:size]
	return m.buf
}

func (m *mmapMemory) Free() {
	if cap(m.buf) > 0 {
		_ = syscall.Munmap(m.buf[:cap(m.buf)])
		m.buf = nil
	}
}
