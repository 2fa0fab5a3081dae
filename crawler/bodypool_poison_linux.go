//go:build htmlfastpoison && linux

package crawler

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// poisonAlloc maps a buffer of its own for a body, so that poisonRelease
// can take its pages away.
func poisonAlloc(n int) []byte {
	page := os.Getpagesize()
	size := (max(n, 1) + page - 1) / page * page
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(fmt.Sprintf("poisoned body buffer: %v", err))
	}
	return b[:0]
}

// poisonRelease overwrites a released body with garbage and makes its
// pages unreadable: a string kept past its page faults where it is read
// (the fault's stack names the reader). The mapping is never reused.
func poisonRelease(b []byte) {
	fillGarbage(b)
	b = b[:cap(b)]
	if len(b) == 0 || uintptr(unsafe.Pointer(&b[0]))%uintptr(os.Getpagesize()) != 0 {
		return // not one of poisonAlloc's
	}
	if err := syscall.Mprotect(b, syscall.PROT_NONE); err != nil {
		panic(fmt.Sprintf("poison released body: %v", err))
	}
	syscall.Madvise(b, syscall.MADV_DONTNEED)
}
