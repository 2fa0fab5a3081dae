package netpolicy

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// maxEncodings bounds the layers of Content-Encoding a body may stack.
const maxEncodings = 3

// ErrEncoding is returned when reading a body whose encoding cannot be
// decoded (corrupt data, too many layers).
var ErrEncoding = errors.New("content encoding")

// body is a response body decoded and capped: Content-Encoding (gzip,
// x-gzip, deflate, br, stacked, with identity ignored) and gzip declared
// only in Content-Type are decoded, and reading stops after limit decoded
// bytes, so a small compressed answer cannot become gigabytes in memory.
// Closing it frees the host's slot.
type body struct {
	raw       io.ReadCloser
	encodings []string // outermost last, as sent
	sniffGzip bool     // gzip named only in Content-Type: decode if it is gzip
	limit     int64
	release   func()

	once      sync.Once
	r         io.Reader // decoded
	closers   []io.Closer
	initErr   error
	n         int64
	truncated bool
	closed    sync.Once
}

// wrapBody replaces resp's body with a decoded, capped one and removes the
// headers that described the encoded bytes.
func wrapBody(resp *http.Response, limit int64, release func()) {
	b := &body{raw: resp.Body, limit: limit, release: release}
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		resp.Body = b // no body to decode
		return
	}
	for _, e := range strings.Split(resp.Header.Get("Content-Encoding"), ",") {
		switch e = strings.ToLower(strings.TrimSpace(e)); e {
		case "", "identity":
		default:
			b.encodings = append(b.encodings, e)
		}
	}
	known := len(b.encodings) > 0
	for _, e := range b.encodings {
		switch e {
		case "gzip", "x-gzip", "deflate", "br":
		default:
			known = false // left encoded, header kept: the caller sees what it got
		}
	}
	if !known {
		b.encodings = nil
		if resp.Header.Get("Content-Encoding") == "" || strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "identity") {
			b.sniffGzip = strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "gzip")
		}
	}
	if known || b.sniffGzip {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	resp.Body = b
}

func (b *body) init() {
	if len(b.encodings) == 0 && !b.sniffGzip {
		b.r = b.raw
		return
	}
	br := bufio.NewReader(b.raw)
	var r io.Reader = br
	head, _ := br.Peek(2)
	if len(head) == 0 {
		b.r = br // an empty body (204, 304, HEAD-like answers) decodes to nothing
		return
	}
	if b.sniffGzip && len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		b.encodings = []string{"gzip"}
	}
	if len(b.encodings) > maxEncodings {
		b.initErr = fmt.Errorf("%w: %d layers (at most %d)", ErrEncoding, len(b.encodings), maxEncodings)
		return
	}
	for i := len(b.encodings) - 1; i >= 0; i-- {
		switch b.encodings[i] {
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				b.initErr = fmt.Errorf("%w: gzip: %w", ErrEncoding, err)
				return
			}
			b.closers = append(b.closers, zr)
			r = zr
		case "deflate":
			// "deflate" is zlib by the RFC, raw deflate by many servers.
			br := bufio.NewReader(r)
			hdr, _ := br.Peek(2)
			if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
				zr, err := zlib.NewReader(br)
				if err != nil {
					b.initErr = fmt.Errorf("%w: deflate: %w", ErrEncoding, err)
					return
				}
				b.closers = append(b.closers, zr)
				r = zr
			} else {
				fr := flate.NewReader(br)
				b.closers = append(b.closers, fr)
				r = fr
			}
		case "br":
			r = brotli.NewReader(r)
		}
	}
	b.r = r
}

// Read reads decoded bytes up to the limit; past it, the body reports EOF
// and Truncated.
func (b *body) Read(p []byte) (int, error) {
	b.once.Do(b.init)
	if b.initErr != nil {
		return 0, b.initErr
	}
	if b.n >= b.limit {
		if !b.truncated {
			var one [1]byte
			if n, _ := io.ReadFull(b.r, one[:]); n > 0 {
				b.truncated = true
			}
		}
		return 0, io.EOF
	}
	if rem := b.limit - b.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// Close closes the decoders and the connection's body and frees the slot.
func (b *body) Close() error {
	for _, c := range b.closers {
		c.Close()
	}
	err := b.raw.Close()
	b.closed.Do(func() {
		if b.release != nil {
			b.release()
		}
	})
	return err
}

// Truncated reports whether resp's body had more than the policy's limit
// for its purpose after decompression; it is known once the body has been
// read to its end.
func Truncated(resp *http.Response) bool {
	b, ok := resp.Body.(*body)
	return ok && b.truncated
}

// ReadBody reads resp's body (decoded, up to the purpose's limit) and
// closes it; truncated says the body went on past the limit.
func ReadBody(resp *http.Response) (data []byte, truncated bool, err error) {
	defer resp.Body.Close()
	// Sized from Content-Length (within the body's limit, so a lying
	// header costs nothing): io.ReadAll's growing copied a 100 KB page
	// about eight times.
	size := int64(512)
	if n := resp.ContentLength; n > 0 {
		limit := int64(1 << 20)
		if b, ok := resp.Body.(*body); ok && b.limit > 0 {
			limit = b.limit
		}
		size = min(n, limit) + 1 // +1: room to read the EOF without growing
	}
	data = make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, rerr := resp.Body.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	return data, Truncated(resp), err
}
