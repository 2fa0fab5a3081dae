package netpolicy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func flateBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func brBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, 1)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bombSize is what each bomb expands to; the test policy's page limit is
// 1 MiB, so reading must stop 31 MiB early.
const bombSize = 32 << 20

// TestDecodedBodiesAreCapped serves a 32 MiB page of zeros in every
// encoding form a hostile portal used (issue 10: 6 MB on the wire became
// 2 GiB) and a small page in each: the big ones stop at the limit and
// say they were truncated, without allocating what they would expand to;
// the small ones decode whole.
func TestDecodedBodiesAreCapped(t *testing.T) {
	zeros := make([]byte, bombSize)
	gz := gzipBytes(zeros)
	page := []byte(strings.Repeat("<p>县政府工作动态</p>", 200))
	forms := []struct {
		name, encoding, contentType string
		bomb, small                 []byte
	}{
		{"gzip", "gzip", "text/html", gz, gzipBytes(page)},
		{"x-gzip", "x-gzip", "text/html", gz, gzipBytes(page)},
		{"gzip-identity", "gzip, identity", "text/html", gz, gzipBytes(page)},
		{"identity-gzip-upper", "Identity, GZIP", "text/html", gz, gzipBytes(page)},
		{"deflate-zlib", "deflate", "text/html", zlibBytes(zeros), zlibBytes(page)},
		{"deflate-raw", "deflate", "text/html", flateBytes(zeros), flateBytes(page)},
		{"br", "br", "text/html", brBytes(zeros), brBytes(page)},
		{"stacked-gzip-br", "gzip, br", "text/html", brBytes(gz), brBytes(gzipBytes(page))},
		{"gzip-in-content-type", "", "text/html; gzip", gz, gzipBytes(page)},
		{"application-x-gzip", "", "application/x-gzip", gz, gzipBytes(page)},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, f := range forms {
			if r.URL.Path == "/"+f.name+"/bomb" || r.URL.Path == "/"+f.name+"/small" {
				if f.encoding != "" {
					w.Header().Set("Content-Encoding", f.encoding)
				}
				w.Header().Set("Content-Type", f.contentType)
				if strings.HasSuffix(r.URL.Path, "bomb") {
					w.Write(f.bomb)
				} else {
					w.Write(f.small)
				}
				return
			}
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	p := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"} })
	limit := p.Limit(Stylesheet)
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp, err := p.Client(Stylesheet).Get(srv.URL + "/" + f.name + "/bomb")
			if err != nil {
				t.Fatal(err)
			}
			data, truncated, err := ReadBody(resp)
			runtime.ReadMemStats(&after)
			if err != nil || int64(len(data)) != limit || !truncated {
				t.Errorf("bomb: %d bytes (limit %d), truncated %v, err %v", len(data), limit, truncated, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("bomb: %d MiB allocated for a %d MiB limit", alloc>>20, limit>>20)
			}
			if resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q left on a decoded body", resp.Header.Get("Content-Encoding"))
			}
			resp, err = p.Client(Stylesheet).Get(srv.URL + "/" + f.name + "/small")
			if err != nil {
				t.Fatal(err)
			}
			data, truncated, err = ReadBody(resp)
			if err != nil || !bytes.Equal(data, page) || truncated {
				t.Errorf("small page: %d bytes, truncated %v, err %v", len(data), truncated, err)
			}
		})
	}
}

func TestBodyEdgeCases(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/corrupt":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte("this is not gzip"))
		case "/layers":
			w.Header().Set("Content-Encoding", "gzip, gzip, gzip, gzip")
			w.Write(gzipBytes(gzipBytes(gzipBytes(gzipBytes([]byte("x"))))))
		case "/unknown":
			w.Header().Set("Content-Encoding", "zstd")
			w.Write([]byte("\x28\xb5\x2f\xfd raw"))
		case "/plain-gzip-type":
			w.Header().Set("Content-Type", "application/x-gzip")
			w.Write([]byte("not actually gzip"))
		case "/empty":
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNoContent)
		case "/exact":
			w.Write(bytes.Repeat([]byte("a"), 1<<20))
		}
	}))
	defer srv.Close()
	p := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"} })
	read := func(path, method string) ([]byte, bool, *http.Response, error) {
		req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+path, nil)
		resp, err := p.Client(External).Do(req)
		if err != nil {
			return nil, false, nil, err
		}
		data, tr, err := ReadBody(resp)
		return data, tr, resp, err
	}
	t.Run("corrupt-gzip-is-an-error", func(t *testing.T) {
		if _, _, _, err := read("/corrupt", "GET"); !errors.Is(err, ErrEncoding) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("too-many-layers", func(t *testing.T) {
		if _, _, _, err := read("/layers", "GET"); !errors.Is(err, ErrEncoding) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown-encoding-left-as-is", func(t *testing.T) {
		data, _, resp, err := read("/unknown", "GET")
		if err != nil || resp.Header.Get("Content-Encoding") != "zstd" || !bytes.HasSuffix(data, []byte("raw")) {
			t.Errorf("data %q err %v", data, err)
		}
	})
	t.Run("gzip-type-but-not-gzip", func(t *testing.T) {
		data, _, _, err := read("/plain-gzip-type", "GET")
		if err != nil || string(data) != "not actually gzip" {
			t.Errorf("data %q err %v", data, err)
		}
	})
	t.Run("empty-encoded-body", func(t *testing.T) {
		data, _, resp, err := read("/empty", "GET")
		if err != nil || len(data) != 0 || resp.StatusCode != 204 {
			t.Errorf("data %q err %v", data, err)
		}
	})
	t.Run("head-with-encoding", func(t *testing.T) {
		if _, _, resp, err := read("/corrupt", "HEAD"); err != nil || resp.StatusCode != 200 {
			t.Errorf("HEAD: %v", err)
		}
	})
	t.Run("exactly-the-limit-is-not-truncated", func(t *testing.T) {
		data, tr, _, err := read("/exact", "GET")
		if err != nil || len(data) != 1<<20 || tr {
			t.Errorf("%d bytes truncated %v err %v", len(data), tr, err)
		}
	})
}

func TestLimits(t *testing.T) {
	p := testPolicy(t, func(o *Options) { o.MaxPageBytes = 100; o.MaxAttachmentBytes = 1000 })
	for _, tc := range []struct {
		purpose Purpose
		want    int64
	}{{Crawl, 1001}, {Document, 1000}, {Stylesheet, 100}, {Cloaking, 100}, {External, 100}, {Probe, 100}, {Delivery, 1 << 20}} {
		if got := p.Limit(tc.purpose); got != tc.want {
			t.Errorf("Limit(%s) = %d, want %d", tc.purpose, got, tc.want)
		}
	}
}

// FuzzBody feeds arbitrary bytes under each encoding: decoding never
// panics and never returns more than the limit.
func FuzzBody(f *testing.F) {
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), "gzip")
	f.Add(gzipBytes(make([]byte, 5000)), "x-gzip")
	f.Add(brBytes(make([]byte, 5000)), "br")
	f.Add(zlibBytes([]byte("abc")), "deflate")
	f.Add([]byte("plain"), "")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		resp := &http.Response{Header: http.Header{"Content-Encoding": {enc}, "Content-Type": {"text/html; gzip"}}, Body: io.NopCloser(bytes.NewReader(data))}
		wrapBody(resp, 4096, nil)
		out, _, _ := ReadBody(resp)
		if len(out) > 4096 {
			t.Errorf("%d bytes past the 4096 limit", len(out))
		}
	})
}
