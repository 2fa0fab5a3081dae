package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// This file bounds the response bodies the crawl holds in memory. Colly
// reads a body whole before the crawler sees its size, so four page
// workers and the check workers could each hold a capped body at once
// (the hostile site's gzip bombs and million-link page made 100 MB of
// bodies in flight, over 300 MB RSS). Instead, the adapter reads the
// bodies of pages and attachments itself (spooled requests): a body up to
// spoolFree bytes stays in memory; a bigger one keeps going in memory only
// while the run's body budget has room for it, and is written to a
// temporary file otherwise; whoever uses the body then loads it, waiting
// for the budget, and frees it when done. Colly is handed an empty body.

// spoolFree is the size up to which a body is held in memory without the
// budget (the bodies of real portal pages).
const spoolFree = bigPage

// spoolSniff is how much of a body on file stays in memory, for the
// firewall recognition that reads answers before they are used.
const spoolSniff = 64 << 10

// spoolHeader marks a request whose body the adapter spools; its value
// names the fetchResult in bodyBudget.pending. It never leaves the
// process.
const spoolHeader = "X-Xunjian-Spool"

// bodyBudget is the run's memory for bodies over spoolFree bytes.
type bodyBudget struct {
	sem   *semaphore.Weighted
	total int64
	dir   string

	next    atomic.Int64
	pending sync.Map // spoolHeader value → *fetchResult
	// spilled counts bodies written to file; held and peak the budget
	// bytes held now and at most.
	spilled, held, peak atomic.Int64
	// pool holds the buffers of HTML bodies (bodypool.go).
	pool *bodyPool
}

func (b *bodyBudget) tryAcquire(n int64) bool {
	if !b.sem.TryAcquire(n) {
		return false
	}
	b.took(n)
	return true
}

func (b *bodyBudget) acquire(ctx context.Context, n int64) error {
	if err := b.sem.Acquire(ctx, n); err != nil {
		return err
	}
	b.took(n)
	return nil
}

func (b *bodyBudget) took(n int64) {
	h := b.held.Add(n)
	for p := b.peak.Load(); h > p && !b.peak.CompareAndSwap(p, h); p = b.peak.Load() {
	}
}

func (b *bodyBudget) release(n int64) {
	b.held.Add(-n)
	b.sem.Release(n)
}

// newBodyBudget returns a budget of total bytes spilling to files in dir.
func newBodyBudget(total int64, dir string) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(total), total: total, dir: dir, pool: newBodyPool()}
}

// register names res for the adapter; the caller unregisters it.
func (b *bodyBudget) register(res *fetchResult) string {
	id := fmt.Sprint(b.next.Add(1))
	b.pending.Store(id, res)
	return id
}

// spool is one body read by the adapter.
type spool struct {
	b    *bodyBudget
	file string // the body is on file (data is nil until load)
	n    int64
	held int64 // budget bytes held
	head []byte
	// buf is the pooled buffer the body is in (nil if none): recycle
	// hands it back.
	buf []byte
}

// read reads r (at most limit bytes) into memory or, past spoolFree bytes
// with the budget full, into a file; data is the body when in memory.
// size is the body's announced length (-1 or 0 when unknown), a hint for
// the first buffer. With pooled (HTML pages), a body held in memory up to
// spoolFree bytes is in a buffer of the pool (bodypool.go), handed back by
// recycle.
func (b *bodyBudget) read(r io.Reader, limit, size int64, pooled bool) (sp *spool, data []byte, err error) {
	sp = &spool{b: b}
	var first []byte
	if pooled {
		n := min(limit, spoolFree+1)
		first, err = b.pool.readPooled(io.LimitReader(r, n), int(min(max(size, 0), n)+1))
	} else {
		first, err = readUpTo(r, min(limit, spoolFree+1), size)
	}
	if err != nil || int64(len(first)) <= spoolFree || int64(len(first)) >= limit {
		sp.n = int64(len(first))
		if pooled {
			sp.buf = first
		}
		return sp, first, err
	}
	if pooled {
		defer b.pool.put(first) // copied below
	}
	// A big body: in memory if the budget has room for the most it can
	// be, else on file.
	if b.tryAcquire(limit) {
		sp.held = limit
		// One allocation of the limit: the pages it does not reach are
		// never touched, so never resident.
		data = make([]byte, len(first), limit)
		copy(data, first)
		for err == nil && len(data) < cap(data) {
			var n int
			n, err = r.Read(data[len(data):cap(data)])
			data = data[:len(data)+n]
		}
		if err == io.EOF {
			err = nil
		}
		if len(data) < cap(data)/2 {
			data = bytes.Clone(data)
		}
		sp.n = int64(len(data))
		b.release(sp.held - sp.n)
		sp.held = sp.n
		return sp, data, err
	}
	f, ferr := os.CreateTemp(b.dir, "xunjian-body-*")
	if ferr != nil {
		return sp, nil, fmt.Errorf("spool body: %w", ferr)
	}
	sp.file = f.Name()
	b.spilled.Add(1)
	sp.head = bytes.Clone(first[:spoolSniff])
	_, werr := f.Write(first)
	n, cerr := io.Copy(f, io.LimitReader(r, limit-int64(len(first))))
	sp.n = int64(len(first)) + n
	if err := errors.Join(werr, f.Close()); err != nil {
		sp.free()
		return sp, nil, fmt.Errorf("spool body: %w", err)
	}
	return sp, nil, cerr
}

// readUpTo reads r until EOF or n bytes, into a buffer sized for size
// bytes when size is known (growing a buffer from 512 bytes cost a 100 KB
// page 200 KB of copies). A body of unknown length (chunked, or decoded
// from gzip) is read into pooled chunks and copied once into a buffer of
// its size: grown by append, a 100 KB body allocated 476 KB, 40 % of all
// a heavy run allocated.
func readUpTo(r io.Reader, n, size int64) ([]byte, error) {
	if size <= 0 {
		return readChunked(io.LimitReader(r, n))
	}
	data := make([]byte, 0, min(size, n)+1) // +1: room to see the EOF
	r = io.LimitReader(r, n)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		m, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// readChunk is the size of the pooled chunks bodies of unknown length are
// read into.
const readChunk = 32 << 10

var readChunks = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// readChunked reads r to its end into pooled chunks and returns a copy of
// exactly its length.
func readChunked(r io.Reader) ([]byte, error) {
	var chunks [8]*[]byte
	full := chunks[:0]
	defer func() {
		for _, c := range full {
			readChunks.Put(c)
		}
	}()
	var parts [8][]byte
	read := parts[:0]
	var err error
	for {
		c := readChunks.Get().(*[]byte)
		full = append(full, c)
		var m int
		m, err = io.ReadFull(r, *c)
		read = append(read, (*c)[:m])
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = nil
			}
			break
		}
	}
	// bytes.Join allocates without zeroing what it then fills.
	data := bytes.Join(read, nil)
	if data == nil {
		data = []byte{} // an empty body is a body
	}
	return data, err
}

// recycle hands the body's pooled buffer back for another page: nothing
// may refer to the body's bytes any more.
func (sp *spool) recycle() {
	if sp != nil && sp.buf != nil {
		sp.b.pool.put(sp.buf)
		sp.buf = nil
	}
}

// load returns the body, reading it back from its file once the budget
// has room (at most the whole budget is waited for).
func (sp *spool) load(ctx context.Context) ([]byte, error) {
	if sp.file == "" {
		return nil, nil
	}
	want := min(sp.n, sp.b.total)
	if err := sp.b.acquire(ctx, want); err != nil {
		return nil, err
	}
	sp.held = want
	data, err := os.ReadFile(sp.file)
	os.Remove(sp.file)
	sp.file = ""
	return data, err
}

// free gives the budget back and removes the file; the body's bytes may
// still be referenced, they are no longer accounted.
func (sp *spool) free() {
	if sp == nil {
		return
	}
	if sp.held > 0 {
		sp.b.release(sp.held)
		sp.held = 0
	}
	if sp.file != "" {
		os.Remove(sp.file)
		sp.file = ""
	}
}
