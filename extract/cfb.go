package extract

// A strict reader of OLE compound files ([MS-CFB]), the container of doc,
// xls, wps and et files. It reads the streams of the root storage and
// nothing else, and refuses, instead of following, what crafted files use
// against other readers: a sector chain that leaves the allocation table
// or the file, that comes back to a sector it has visited (a cycle: the
// endless loop of github.com/extrame/ole2), that is shorter than the
// stream it holds, and directory entries claiming more bytes than the file
// has. Every chain is walked once with a visited set, so the work is linear
// in the file's size.

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

const (
	cfbEndOfChain = 0xFFFFFFFE
	cfbFree       = 0xFFFFFFFF
	cfbMaxRegular = 0xFFFFFFFA
	cfbNoStream   = 0xFFFFFFFF
)

type cfbFile struct {
	data      []byte
	ss        int // sector size
	fat       []uint32
	miniFAT   []uint32
	mini      []byte // the mini stream
	cutoff    uint64
	entries   []cfbEntry
	rootChild uint32
}

type cfbEntry struct {
	name         string
	typ          byte
	left, right  uint32
	child, start uint32
	size         uint64
}

func cfbCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: OLE: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// readCFB parses the header, allocation tables and directory.
func readCFB(data []byte) (*cfbFile, error) {
	if len(data) < 512 || string(data[:8]) != string(oleMagic) {
		return nil, cfbCorrupt("no compound-file header")
	}
	h := data[:512]
	le := binary.LittleEndian
	major := le.Uint16(h[26:])
	shift := le.Uint16(h[30:])
	switch {
	case major == 3 && shift == 9, major == 4 && shift == 12:
	default:
		return nil, cfbCorrupt("version %d with sector shift %d", major, shift)
	}
	f := &cfbFile{data: data, ss: 1 << shift, cutoff: uint64(le.Uint32(h[56:]))}
	nSectors := (len(data) - 1) / f.ss // sectors after the header sector
	// DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
	numFAT := int(le.Uint32(h[44:]))
	if numFAT > nSectors+1 {
		return nil, cfbCorrupt("%d FAT sectors in a file of %d", numFAT, nSectors)
	}
	difat := make([]uint32, 0, numFAT)
	for i := 0; i < 109 && len(difat) < numFAT; i++ {
		difat = append(difat, le.Uint32(h[76+4*i:]))
	}
	seen := map[uint32]bool{}
	next := le.Uint32(h[68:])
	for len(difat) < numFAT {
		if next > cfbMaxRegular || int(next) >= nSectors || seen[next] {
			return nil, cfbCorrupt("DIFAT chain broken or cyclic")
		}
		seen[next] = true
		s := f.sector(next)
		per := f.ss/4 - 1
		for i := 0; i < per && len(difat) < numFAT; i++ {
			difat = append(difat, le.Uint32(s[4*i:]))
		}
		next = le.Uint32(s[4*per:])
	}
	f.fat = make([]uint32, 0, numFAT*f.ss/4)
	for _, sec := range difat {
		if sec > cfbMaxRegular || int(sec) >= nSectors {
			return nil, cfbCorrupt("FAT sector %d outside the file", sec)
		}
		s := f.sector(sec)
		for i := 0; i < f.ss; i += 4 {
			f.fat = append(f.fat, le.Uint32(s[i:]))
		}
	}
	// Directory.
	dir, err := f.chainBytes(f.fat, le.Uint32(h[48:]), -1, false)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for off := 0; off+128 <= len(dir); off += 128 {
		e := dir[off : off+128]
		n := int(le.Uint16(e[64:]))
		var name string
		if n >= 2 && n <= 64 {
			u := make([]uint16, n/2-1)
			for i := range u {
				u[i] = le.Uint16(e[2*i:])
			}
			name = string(utf16.Decode(u))
		}
		size := le.Uint64(e[120:])
		if major == 3 {
			size &= 0xFFFFFFFF
		}
		f.entries = append(f.entries, cfbEntry{
			name: name, typ: e[66], left: le.Uint32(e[68:]), right: le.Uint32(e[72:]),
			child: le.Uint32(e[76:]), start: le.Uint32(e[116:]), size: size,
		})
	}
	if len(f.entries) == 0 || f.entries[0].typ != 5 {
		return nil, cfbCorrupt("no root entry")
	}
	root := f.entries[0]
	f.rootChild = root.child
	// Mini stream and mini FAT, when there are small streams.
	if root.size > 0 && root.start <= cfbMaxRegular {
		if root.size > uint64(len(data)) {
			return nil, cfbCorrupt("mini stream larger than the file")
		}
		if f.mini, err = f.chainBytes(f.fat, root.start, int64(root.size), false); err != nil {
			return nil, fmt.Errorf("mini stream: %w", err)
		}
		mf, err := f.chainBytes(f.fat, le.Uint32(h[60:]), -1, false)
		if err != nil {
			return nil, fmt.Errorf("mini FAT: %w", err)
		}
		f.miniFAT = make([]uint32, len(mf)/4)
		for i := range f.miniFAT {
			f.miniFAT[i] = le.Uint32(mf[4*i:])
		}
	}
	return f, nil
}

func (f *cfbFile) sector(n uint32) []byte {
	off := (int(n) + 1) * f.ss
	return f.data[off : off+f.ss]
}

// chainBytes reads the chain starting at start from the FAT (or mini FAT)
// into one slice: size bytes of it, or the whole chain when size < 0.
func (f *cfbFile) chainBytes(table []uint32, start uint32, size int64, mini bool) ([]byte, error) {
	ss := f.ss
	if mini {
		ss = 64
	}
	var capacity int
	if size >= 0 {
		capacity = int(size)
	}
	out := make([]byte, 0, capacity)
	visited := make(map[uint32]bool)
	for sec := start; sec != cfbEndOfChain; sec = table[sec] {
		if size >= 0 && int64(len(out)) >= size {
			break
		}
		if sec > cfbMaxRegular || int(sec) >= len(table) {
			return nil, cfbCorrupt("sector chain past the allocation table")
		}
		if visited[sec] {
			return nil, cfbCorrupt("cyclic sector chain")
		}
		visited[sec] = true
		var b []byte
		if mini {
			off := int(sec) * 64
			if off+64 > len(f.mini) {
				return nil, cfbCorrupt("mini sector outside the mini stream")
			}
			b = f.mini[off : off+64]
		} else {
			if int(sec) >= (len(f.data)-1)/f.ss {
				return nil, cfbCorrupt("sector outside the file")
			}
			b = f.sector(sec)
		}
		if size < 0 && len(out)+ss > len(f.data) {
			return nil, cfbCorrupt("chain longer than the file")
		}
		out = append(out, b...)
	}
	if size >= 0 {
		if int64(len(out)) < size {
			return nil, cfbCorrupt("sector chain shorter than its stream")
		}
		out = out[:size]
	}
	return out, nil
}

// rootStreams returns the streams directly in the root storage, by name.
// Their sizes together cannot pass the file's.
func (f *cfbFile) rootStreams() (map[string][]byte, error) {
	streams := map[string][]byte{}
	total := uint64(0)
	visited := map[uint32]bool{}
	stack := []uint32{f.rootChild}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id == cfbNoStream {
			continue
		}
		if int(id) >= len(f.entries) || visited[id] {
			return nil, cfbCorrupt("directory tree broken or cyclic")
		}
		visited[id] = true
		e := f.entries[id]
		stack = append(stack, e.left, e.right)
		if e.typ != 2 || e.size == 0 {
			continue
		}
		if total += e.size; total > uint64(len(f.data)) {
			return nil, cfbCorrupt("streams larger than the file")
		}
		var b []byte
		var err error
		if e.size < f.cutoff {
			if f.mini == nil {
				return nil, cfbCorrupt("small stream without a mini stream")
			}
			b, err = f.chainBytes(f.miniFAT, e.start, int64(e.size), true)
		} else {
			b, err = f.chainBytes(f.fat, e.start, int64(e.size), false)
		}
		if err != nil {
			return nil, fmt.Errorf("stream %d: %w", id, err)
		}
		if _, dup := streams[e.name]; !dup {
			streams[e.name] = b
		}
	}
	return streams, nil
}
