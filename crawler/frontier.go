package crawler

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	"os"
	"sync"
)

// Visited is the set of targets already queued in a run. A Redis or other
// shared store can implement it to spread one run over several processes.
type Visited interface {
	// Add marks key visited and reports whether it was new.
	Add(key string) (bool, error)
	Len() int
}

// Frontier is the FIFO queue of work a run still has to do. Like Visited it
// can be replaced by a shared store.
type Frontier interface {
	Push(Item) error
	// Pop returns the next item; ok is false when the queue is empty.
	Pop() (item Item, ok bool, err error)
	Len() int
	Close() error
}

// Item is one queued request.
type Item struct {
	URL   string
	Depth int
	// Kind is how the target was first referenced.
	Kind LinkKind
	// Chain counts the same-pattern pages in a row that led here (trap guard).
	Chain int
}

// hashVisited keeps 64-bit hashes instead of URLs: 100,000 targets cost a few
// MB. A collision (about 1 in 10^9 for a million URLs) skips one URL.
//
// The hashes are kept in an open-addressing table (linear probing, at most
// half full, 0 marks an empty slot and the hash 0 is kept as 1), where a
// lookup reads one slot in the common case: a Go map of them cost two cache
// misses a lookup, 0.37 CPU-s of a 20,000-page crawl's 800,000 links
// (TestHashSetAsMap holds it to a map).
type hashVisited struct {
	mu   sync.Mutex
	seed maphash.Seed
	set  hashSet
}

// NewVisited returns an in-memory Visited set.
func NewVisited() Visited {
	return &hashVisited{seed: maphash.MakeSeed(), set: newHashSet(1024)}
}

func (v *hashVisited) Add(key string) (bool, error) {
	h := maphash.String(v.seed, key)
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.set.add(h), nil
}

func (v *hashVisited) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.set.n
}

// hashSet is a set of 64-bit hashes (see hashVisited).
type hashSet struct {
	slots []uint64 // a power of two
	n     int
}

func newHashSet(size int) hashSet {
	return hashSet{slots: make([]uint64, max(16, 1<<bits.Len(uint(size-1))))}
}

// add adds h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.home(h); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			if s.n++; 2*s.n > len(s.slots) {
				s.grow()
			}
			return true
		}
	}
}

// home is h's first slot: the top bits of h times 2^64/φ (Fibonacci
// hashing), so hashes that differ only in some bits still spread.
func (s *hashSet) home(h uint64) uint64 {
	return h * 0x9E3779B97F4A7C15 >> (64 - bits.TrailingZeros(uint(len(s.slots))))
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := s.home(h)
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// spillFrontier keeps up to memLimit items in memory and appends the rest to
// a temporary file, so a 100,000-page site's queue costs bounded memory.
// Order stays FIFO: once anything is on disk, new items go to disk too.
type spillFrontier struct {
	mu       sync.Mutex
	memLimit int
	dir      string
	mem      []Item
	head     int
	file     *os.File
	w        *bufio.Writer
	onDisk   int
	readOff  int64
}

// NewFrontier returns a FIFO that spills to a file in dir (os.TempDir if
// empty) past memLimit items.
func NewFrontier(memLimit int, dir string) Frontier {
	if memLimit < 1 {
		memLimit = 1
	}
	return &spillFrontier{memLimit: memLimit, dir: dir}
}

func (f *spillFrontier) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.mem) - f.head + f.onDisk
}

func (f *spillFrontier) Push(it Item) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onDisk == 0 && len(f.mem)-f.head < f.memLimit {
		f.mem = append(f.mem, it)
		return nil
	}
	if f.file == nil {
		file, err := os.CreateTemp(f.dir, "xunjian-frontier-*")
		if err != nil {
			return fmt.Errorf("frontier spill file: %w", err)
		}
		f.file = file
		f.w = bufio.NewWriterSize(file, 64<<10)
	}
	var hdr [binary.MaxVarintLen64*3 + 1]byte
	n := binary.PutUvarint(hdr[:], uint64(len(it.URL)))
	n += binary.PutUvarint(hdr[n:], uint64(it.Depth))
	n += binary.PutUvarint(hdr[n:], uint64(it.Chain))
	hdr[n] = byte(it.Kind)
	n++
	if _, err := f.w.Write(hdr[:n]); err != nil {
		return fmt.Errorf("frontier spill: %w", err)
	}
	if _, err := f.w.WriteString(it.URL); err != nil {
		return fmt.Errorf("frontier spill: %w", err)
	}
	f.onDisk++
	return nil
}

func (f *spillFrontier) Pop() (Item, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.head < len(f.mem) {
		it := f.mem[f.head]
		f.mem[f.head] = Item{}
		f.head++
		if f.head == len(f.mem) {
			f.mem, f.head = f.mem[:0], 0
		}
		return it, true, nil
	}
	if f.onDisk == 0 {
		return Item{}, false, nil
	}
	// Refill memory from disk.
	if err := f.w.Flush(); err != nil {
		return Item{}, false, fmt.Errorf("frontier spill: %w", err)
	}
	// A fresh reader at the read offset each time: a bufio.Reader kept
	// across appends would return a stale EOF.
	r := bufio.NewReaderSize(io.NewSectionReader(f.file, f.readOff, 1<<62), 64<<10)
	for f.onDisk > 0 && len(f.mem) < f.memLimit {
		it, size, err := readItem(r)
		if err != nil {
			return Item{}, false, fmt.Errorf("frontier spill read: %w", err)
		}
		f.readOff += size
		f.mem = append(f.mem, it)
		f.onDisk--
	}
	if f.onDisk == 0 {
		// Everything is back in memory: start a fresh file next time.
		f.file.Close()
		os.Remove(f.file.Name())
		f.file, f.w, f.readOff = nil, nil, 0
	}
	it := f.mem[0]
	f.mem[0] = Item{}
	f.head = 1
	if f.head == len(f.mem) {
		f.mem, f.head = f.mem[:0], 0
	}
	return it, true, nil
}

// readItem reads one spilled item and returns its size in bytes.
func readItem(r *bufio.Reader) (Item, int64, error) {
	var v [3]uint64
	var size int64
	for i := range v {
		x, err := binary.ReadUvarint(r)
		if err != nil {
			return Item{}, 0, err
		}
		v[i] = x
		size += int64(uvarintLen(x))
	}
	n, depth, chain := v[0], v[1], v[2]
	kind, err := r.ReadByte()
	if err != nil {
		return Item{}, 0, err
	}
	if n > 1<<20 {
		return Item{}, 0, errors.New("corrupt spill record")
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return Item{}, 0, err
	}
	size += 1 + int64(n)
	return Item{URL: string(buf), Depth: int(depth), Kind: LinkKind(kind), Chain: int(chain)}, size, nil
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

func (f *spillFrontier) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file != nil {
		f.file.Close()
		err := os.Remove(f.file.Name())
		f.file = nil
		return err
	}
	return nil
}

// workQueue wraps a Frontier with the count of items still being worked on,
// so workers know when the crawl is finished: queue empty and nobody busy.
type workQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	f       Frontier
	pending int // queued + in progress
	closed  bool
	err     error
}

func newWorkQueue(f Frontier) *workQueue {
	q := &workQueue{f: f}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *workQueue) push(it Item) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	if err := q.f.Push(it); err != nil {
		return err
	}
	q.pending++
	q.cond.Signal()
	return nil
}

// pop blocks until an item is available or no work is left. The caller
// must call done after processing a popped item.
func (q *workQueue) pop() (Item, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return Item{}, false
		}
		it, ok, err := q.f.Pop()
		if err != nil {
			q.err = err
			q.closed = true
			q.cond.Broadcast()
			return Item{}, false
		}
		if ok {
			return it, true
		}
		if q.pending == 0 {
			q.cond.Broadcast()
			return Item{}, false
		}
		q.cond.Wait()
	}
}

func (q *workQueue) done() {
	q.mu.Lock()
	q.pending--
	if q.pending == 0 {
		q.cond.Broadcast()
	}
	q.mu.Unlock()
}

// close stops handing out work (cancellation); queued items are dropped.
func (q *workQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// watch closes the queue when ctx is cancelled.
func (q *workQueue) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, q.close)
}
