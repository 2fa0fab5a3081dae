//go:build linux

package rodata

import (
	"bufio"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pages returns the whole pages inside s, nil when there are none.
func pages(s string) []byte {
	if len(s) == 0 {
		return nil
	}
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	end := start + uintptr(len(s))
	lo, hi := (start+page-1)&^(page-1), end&^(page-1)
	if hi <= lo {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), lo-start)), hi-lo)
}

func release(s string) int {
	b := pages(s)
	if b == nil {
		return 0
	}
	lo := uintptr(unsafe.Pointer(&b[0]))
	if !readOnlyFile(lo, lo+uintptr(len(b))) {
		return 0
	}
	if err := unix.Madvise(b, unix.MADV_DONTNEED); err != nil {
		return 0
	}
	return len(b)
}

// resident reads the pages' present bits from /proc/self/pagemap (one
// 64-bit entry a page, bit 63: present).
func resident(s string) (int, error) {
	b := pages(s)
	if b == nil {
		return 0, nil
	}
	page := os.Getpagesize()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := len(b) / page
	buf := make([]byte, 8*n)
	if _, err := f.ReadAt(buf, int64(uintptr(unsafe.Pointer(&b[0]))/uintptr(page)*8)); err != nil {
		return 0, err
	}
	res := 0
	for i := range n {
		if binary.LittleEndian.Uint64(buf[8*i:])&(1<<63) != 0 {
			res += page
		}
	}
	return res, nil
}

// readOnlyFile reports whether [lo, hi) lies in one mapping of
// /proc/self/maps that is private, not writable and backed by a file.
func readOnlyFile(lo, hi uintptr) bool {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-01509000 r-xp 00000000 fe:00 10512565   /path/to/binary
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue // anonymous: no path
		}
		a, b, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		from, err1 := strconv.ParseUint(a, 16, 64)
		to, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil || uint64(lo) < from || uint64(hi) > to {
			continue
		}
		perm, inode := fields[1], fields[4]
		return len(perm) == 4 && perm[1] == '-' && perm[3] == 'p' && inode != "0" && strings.HasPrefix(fields[5], "/")
	}
	return false
}
