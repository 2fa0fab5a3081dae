package crawler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Known's stored form: a version byte, then every field in order, strings
// and byte slices prefixed by their length (uvarint), numbers as varints.
// Decoding is on the re-inspection's hot path (every URL of the site is
// looked up), where JSON cost a quarter of the run's CPU.

const knownFormat = 1

// maxKnownItems bounds the counts a stored record may claim.
const maxKnownItems = 1 << 20

// MarshalBinary implements encoding.BinaryMarshaler.
func (k *Known) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, knownFormat)
	b = putString(b, k.URL)
	var at int64 // 0: never (a zero time has no UnixNano)
	if !k.CheckedAt.IsZero() {
		at = k.CheckedAt.UnixNano()
	}
	b = binary.AppendVarint(b, at)
	b = putString(b, k.ETag)
	b = putString(b, k.LastModified)
	o := k.Outcome
	b = binary.AppendVarint(b, int64(o.Status))
	b = putString(b, o.Class)
	b = putString(b, o.Err)
	b = putString(b, o.FinalURL)
	b = binary.AppendVarint(b, int64(o.Attempts))
	b = putString(b, o.ContentType)
	b = putFlags(b, o.Agree, k.Document, k.Read, k.Daily, k.Page != nil)
	b = putString(b, string(k.Memo))
	if p := k.Page; p != nil {
		b = putString(b, p.FinalURL)
		b = binary.AppendVarint(b, int64(p.Status))
		b = putFlags(b, p.Dynamic)
		b = binary.AppendUvarint(b, uint64(len(p.Frames)))
		for _, f := range p.Frames {
			b = putString(b, f)
		}
		b = binary.AppendUvarint(b, uint64(len(p.Links)))
		for _, l := range p.Links {
			b = putString(b, l.URL)
			b = append(b, byte(l.Kind))
			b = putString(b, l.Tag)
			b = putString(b, l.Attr)
			b = putString(b, l.Text)
			b = putFlags(b, l.Redirect)
		}
	}
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (k *Known) UnmarshalBinary(data []byte) error {
	r := &knownReader{b: data}
	if v := r.byte(); v != knownFormat {
		return fmt.Errorf("known URL record: format %d", v)
	}
	*k = Known{}
	k.URL = r.string()
	if t := r.varint(); t != 0 {
		k.CheckedAt = time.Unix(0, t)
	}
	k.ETag, k.LastModified = r.string(), r.string()
	k.Outcome.Status = int(r.varint())
	k.Outcome.Class, k.Outcome.Err, k.Outcome.FinalURL = r.string(), r.string(), r.string()
	k.Outcome.Attempts = int(r.varint())
	k.Outcome.ContentType = r.string()
	f := r.byte()
	k.Outcome.Agree, k.Document, k.Read, k.Daily = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
	if memo := r.string(); memo != "" {
		k.Memo = []byte(memo)
	}
	if f&16 != 0 {
		p := &KnownPage{}
		p.FinalURL = r.string()
		p.Status = int(r.varint())
		p.Dynamic = r.byte()&1 != 0
		if n := r.count(); n > 0 {
			p.Frames = make([]string, n)
			for i := range p.Frames {
				p.Frames[i] = r.string()
			}
		}
		if n := r.count(); n > 0 {
			p.Links = make([]KnownLink, n)
			for i := range p.Links {
				l := &p.Links[i]
				l.URL = r.string()
				l.Kind = LinkKind(r.byte())
				l.Tag, l.Attr, l.Text = r.string(), r.string(), r.string()
				l.Redirect = r.byte()&1 != 0
			}
		}
		k.Page = p
	}
	if r.err != nil {
		return fmt.Errorf("known URL record: %w", r.err)
	}
	return nil
}

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putFlags(b []byte, flags ...bool) []byte {
	var f byte
	for i, on := range flags {
		if on {
			f |= 1 << i
		}
	}
	return append(b, f)
}

var errShortRecord = errors.New("truncated")

// knownReader reads a stored record; the first error sticks.
type knownReader struct {
	b   []byte
	err error
}

func (r *knownReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShortRecord
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *knownReader) uvarint() uint64 { return readVarint(r, binary.Uvarint) }

func (r *knownReader) varint() int64 { return readVarint(r, binary.Varint) }

// readVarint reads one number with decode (binary.Uvarint or
// binary.Varint), which returns the value and how many bytes it took.
func readVarint[T uint64 | int64](r *knownReader, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *knownReader) count() int {
	n := r.uvarint()
	if n > maxKnownItems || n > uint64(len(r.b)) {
		if r.err == nil {
			r.err = fmt.Errorf("count %d out of range", n)
		}
		return 0
	}
	return int(n)
}

func (r *knownReader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) || n > math.MaxInt32 {
		r.err = errShortRecord
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
