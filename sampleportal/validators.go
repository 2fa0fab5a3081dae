package sampleportal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// withValidators makes h answer like a static web server in front of a
// CMS's published files: every 200 answer to a GET carries an ETag (a
// hash of its bytes) and a Last-Modified, and a request whose
// If-None-Match names the current ETag gets 304 Not Modified without a
// body. notModified is called for each 304.
func withValidators(h http.Handler, notModified func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status == http.StatusOK && rec.header.Get("ETag") == "" {
			sum := sha256.Sum256(rec.body.Bytes())
			etag := `"` + hex.EncodeToString(sum[:8]) + `"`
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", "Mon, 02 Nov 2026 08:00:00 GMT")
			if r.Header.Get("If-None-Match") == etag {
				notModified()
				w.Header().Del("Content-Type")
				w.Header().Del("Content-Length")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
	})
}

// recorder keeps a handler's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
