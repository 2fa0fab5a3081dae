package crawler

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"sync"
)

// Ref is one place a target is referenced: the page (父页面), the anchor
// text, and the tag that holds it.
type Ref struct {
	Page string
	Text string
	Tag  string
	// Home is true when the page is the site's homepage.
	Home bool
}

// refLog appends every reference to a temporary file, so the link graph of a
// 100,000-page site (millions of references) costs disk, not memory. Only
// the references of failed targets are read back.
type refLog struct {
	mu   sync.Mutex
	seed maphash.Seed
	file *os.File
	w    *bufio.Writer
	n    int
	err  error
}

func newRefLog(dir string) (*refLog, error) {
	f, err := os.CreateTemp(dir, "xunjian-refs-*")
	if err != nil {
		return nil, fmt.Errorf("reference log: %w", err)
	}
	return &refLog{seed: maphash.MakeSeed(), file: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (l *refLog) key(target string) uint64 { return maphash.String(l.seed, target) }

// add records the references of one page in one write: links and their
// targets (linkTargets; form actions, without one, are left out).
func (l *refLog) add(page string, home bool, links []Link, targets []string) {
	if len(links) == 0 {
		return
	}
	bp := refBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= 1<<20 { // a hostile page's is not kept
			*bp = buf[:0]
			refBufs.Put(bp)
		}
	}()
	n := 0
	for i, ln := range links {
		if targets[i] == "" {
			continue
		}
		n++
		buf = binary.LittleEndian.AppendUint64(buf, l.key(targets[i]))
		flags := byte(0)
		if home {
			flags = 1
		}
		buf = append(buf, flags)
		buf = appendString(buf, page)
		buf = appendString(buf, ln.Text)
		buf = appendString(buf, ln.Tag)
	}
	if n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	if _, err := l.w.Write(buf); err != nil {
		l.err = err
	}
	l.n += n
}

// refBufs are the buffers a page's record is built in (written to the
// log's buffer, then kept for the next page).
var refBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func appendString(b []byte, s string) []byte {
	if len(s) > 4096 {
		s = s[:4096]
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// collect returns up to limit references for each wanted target (keyed by
// URL) and the total count per target. Duplicate (page, target) pairs count
// once: a page's references are written in one record run, deduplicated,
// and a page is crawled once, so a repeat can only follow its own page's
// previous record; no set of all pairs is held (a template link broken on
// 100,000 pages would make it millions).
func (l *refLog) collect(wanted map[string]bool, limit int) (map[string][]Ref, map[string]int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, nil, fmt.Errorf("reference log: %w", l.err)
	}
	if err := l.w.Flush(); err != nil {
		return nil, nil, fmt.Errorf("reference log: %w", err)
	}
	byKey := make(map[uint64]string, len(wanted))
	for u := range wanted {
		byKey[l.key(u)] = u
	}
	refs := map[string][]Ref{}
	totals := map[string]int{}
	lastPage := map[string]string{}
	r := bufio.NewReaderSize(io.NewSectionReader(l.file, 0, 1<<62), 256<<10)
	var fields [3][]byte // page, text, tag
	for {
		var k [9]byte
		if _, err := io.ReadFull(r, k[:]); err != nil {
			if err == io.EOF {
				break
			}
			return nil, nil, fmt.Errorf("reference log: %w", err)
		}
		// The record's strings are read into buffers kept from record to
		// record; only the wanted targets' become strings (the others'
		// were three allocations a reference, most of the end of a run).
		for i := range fields {
			var err error
			if fields[i], err = readBytes(r, fields[i][:0]); err != nil {
				return nil, nil, err
			}
		}
		target, ok := byKey[binary.LittleEndian.Uint64(k[:8])]
		if !ok {
			continue
		}
		if lastPage[target] == string(fields[0]) {
			continue
		}
		page := string(fields[0])
		lastPage[target] = page
		totals[target]++
		if len(refs[target]) < limit {
			refs[target] = append(refs[target], Ref{Page: page, Text: string(fields[1]), Tag: string(fields[2]), Home: k[8] == 1})
		}
	}
	return refs, totals, nil
}

// readBytes reads one string of a record, appended to buf.
func readBytes(r *bufio.Reader, buf []byte) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("reference log: %w", err)
	}
	if n > 4096 {
		return nil, fmt.Errorf("reference log: corrupt record")
	}
	buf = slices.Grow(buf, int(n))[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reference log: %w", err)
	}
	return buf, nil
}

func (l *refLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.file.Close()
	os.Remove(l.file.Name())
}
