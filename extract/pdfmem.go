package extract

// sliceMemory is a WebAssembly memory on the Go heap, grown by copying
// (wazero's own way), for when a mapping cannot be had.
type sliceMemory struct{ buf []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	b := make([]byte, size, max(size, 2*uint64(cap(m.buf))))
	copy(b, m.buf)
	m.buf = b
	return b
}

func (m *sliceMemory) Free() { m.buf = nil }
