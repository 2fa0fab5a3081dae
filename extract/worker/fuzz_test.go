package worker

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/xunjian/xunjian/extract"
)

// FuzzReply feeds the pool's reader of worker output arbitrary bytes (a
// worker is trusted code on hostile input: its output is read with caps
// all the same): no panic, no allocation past the caps, and a decoded
// reply's segments always lie within its text.
func FuzzReply(f *testing.F) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeMsg(w, reply{ID: 1, Format: extract.HTML, Segments: []segment{{"title", 2}, {"body", 3}}}, []byte("标题正文"))
	f.Add(b.Bytes())
	b.Reset()
	writeMsg(w, reply{ID: 1, ErrKind: "too_large", ErrMsg: "file too large: x"}, nil)
	f.Add(b.Bytes())
	f.Add([]byte("\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rep reply
		text, err := readMsg(bytes.NewReader(data), &rep, 4<<10, 64<<10)
		if err != nil {
			return
		}
		if len(text) > 64<<10 {
			t.Fatalf("body of %d bytes past the cap", len(text))
		}
		res, err := decodeReply(rep, text)
		n := 0
		for _, s := range res.Segments {
			n += len(s.Text)
		}
		if n > len(text) {
			t.Fatalf("segments of %d bytes from a text of %d", n, len(text))
		}
		if err == nil && rep.ErrKind != "" {
			t.Fatal("error kind lost")
		}
	})
}
