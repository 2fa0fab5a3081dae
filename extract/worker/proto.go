package worker

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/xunjian/xunjian/extract"
)

// The protocol between the pool and a worker, over the worker's stdin and
// stdout. A message is two frames: a JSON header and a raw body, each a
// 4-byte big-endian length and that many bytes. Every length is checked
// against a cap before anything is allocated.
//
//	pool → worker  setup{config}            (no body)
//	worker → pool  hello{version, pid}      (no body)
//	pool → worker  request{id, name}        body: the file
//	worker → pool  reply{id, format, …}     body: the segments' text, concatenated
const protocolVersion = "xunjian-extract-worker/1"

// errTooBig is a frame longer than the reader accepts.
var errTooBig = errors.New("frame too large")

type setup struct {
	Config extract.Config `json:"config"`
	// SoftMemory is the worker's debug.SetMemoryLimit, in bytes, and
	// CompileSoftMemory the one while it starts PDFium.
	SoftMemory        int64 `json:"soft_memory"`
	CompileSoftMemory int64 `json:"compile_soft_memory"`
}

type hello struct {
	Version string `json:"version"`
	PID     int    `json:"pid"`
}

type request struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
	// WarmUp asks the worker to start PDFium (no file).
	WarmUp bool `json:"warm_up,omitempty"`
}

type reply struct {
	ID        uint64         `json:"id"`
	Format    extract.Format `json:"format"`
	Segments  []segment      `json:"segments,omitempty"`
	Truncated bool           `json:"truncated,omitempty"`
	// ErrKind is one of the extract sentinels' names (errKinds), ErrMsg
	// the error's text.
	ErrKind string `json:"err_kind,omitempty"`
	ErrMsg  string `json:"err_msg,omitempty"`
}

type segment struct {
	Where string `json:"where"`
	Len   int    `json:"len"`
}

// errKinds carry extract's sentinel errors across the pipe.
var errKinds = map[string]error{
	"unsupported": extract.ErrUnsupported,
	"corrupt":     extract.ErrCorrupt,
	"encrypted":   extract.ErrEncrypted,
	"too_large":   extract.ErrTooLarge,
	"timeout":     extract.ErrTimeout,
	"unavailable": extract.ErrUnavailable,
}

func errKind(err error) string {
	for k, s := range errKinds {
		if errors.Is(err, s) {
			return k
		}
	}
	return "corrupt"
}

func writeFrame(w io.Writer, b []byte) error {
	var n [4]byte
	if uint64(len(b)) > 1<<32-1 {
		return errTooBig
	}
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

func readFrame(r io.Reader, limit int) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if uint64(size) > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errTooBig, size, limit)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// writeMsg writes a header and a body and flushes.
func writeMsg(w *bufio.Writer, header any, body []byte) error {
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	if err := writeFrame(w, h); err != nil {
		return err
	}
	if err := writeFrame(w, body); err != nil {
		return err
	}
	return w.Flush()
}

// readMsg reads a header into v and returns the body.
func readMsg(r io.Reader, v any, headerLimit, bodyLimit int) ([]byte, error) {
	h, err := readFrame(r, headerLimit)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(h, v); err != nil {
		return nil, fmt.Errorf("bad header: %w", err)
	}
	return readFrame(r, bodyLimit)
}
