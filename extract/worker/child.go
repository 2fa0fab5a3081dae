package worker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/xunjian/xunjian/extract"
)

// envChild marks a process started by a Pool as a worker. Test binaries
// check it in TestMain (see IsChild); the xunjian binary is started with
// the extract-worker subcommand as well.
const envChild = "XUNJIAN_EXTRACT_WORKER"

// Command is the hidden subcommand of the xunjian binary that runs Main.
const Command = "extract-worker"

// IsChild reports whether this process was started by a Pool. A test
// binary whose tests extract through a Pool must act as the worker then:
//
//	func TestMain(m *testing.M) {
//		if worker.IsChild() {
//			os.Exit(worker.Main())
//		}
//		os.Exit(m.Run())
//	}
func IsChild() bool { return os.Getenv(envChild) == "1" }

// Main runs a worker on stdin and stdout with the real extractors and
// returns the exit code.
func Main() int {
	return MainWith(func(c extract.Config) extract.Extractor { return extract.NewEngine(c) })
}

// MainWith runs a worker with the extractor that newEngine makes (tests
// use it to add files that hang, crash or exhaust memory on purpose).
func MainWith(newEngine func(extract.Config) extract.Extractor) int {
	// The pool kills the whole process group; SIGINT/SIGTERM from a
	// terminal or an operator end the worker at once instead of being
	// caught by the parent's handlers inherited through main.
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	out, err := protocolOutput()
	if err != nil {
		fmt.Fprintln(os.Stderr, "extract-worker:", err)
		return 2
	}
	if err := serve(os.Stdin, out, newEngine); err != nil {
		fmt.Fprintln(os.Stderr, "extract-worker:", err)
		return 1
	}
	return 0
}

// maxRequest caps a file the worker accepts (the pool's callers cap
// downloads far below this).
const maxRequest = 1 << 30

// serve answers requests until stdin ends.
func serve(in io.Reader, outFile io.Writer, newEngine func(extract.Config) extract.Extractor) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(outFile, 64<<10)
	var s setup
	if _, err := readMsg(r, &s, 1<<20, 0); err != nil {
		return fmt.Errorf("read setup: %w", err)
	}
	if s.SoftMemory > 0 {
		debug.SetMemoryLimit(s.SoftMemory)
	}
	eng := newEngine(s.Config)
	defer eng.Close()
	if err := writeMsg(w, hello{Version: protocolVersion, PID: os.Getpid()}, nil); err != nil {
		return fmt.Errorf("write hello: %w", err)
	}
	for {
		var req request
		body, err := readMsg(r, &req, 1<<20, maxRequest)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if req.WarmUp {
			rep := reply{ID: req.ID}
			if st, ok := eng.(interface{ StartPDF() error }); ok {
				if s.CompileSoftMemory > 0 {
					debug.SetMemoryLimit(s.CompileSoftMemory)
				}
				if err := st.StartPDF(); err != nil {
					rep.ErrKind, rep.ErrMsg = errKind(err), err.Error()
				}
				if s.SoftMemory > 0 {
					debug.SetMemoryLimit(s.SoftMemory)
				}
			}
			// The compiler's garbage goes back to the kernel before the
			// first file is read under the file limits.
			debug.FreeOSMemory()
			if err := writeMsg(w, rep, nil); err != nil {
				return fmt.Errorf("write reply: %w", err)
			}
			continue
		}
		res, err := eng.Extract(context.Background(), req.Name, body)
		rep := reply{ID: req.ID, Format: res.Format, Truncated: res.Truncated}
		var text strings.Builder
		for _, seg := range res.Segments {
			rep.Segments = append(rep.Segments, segment{Where: seg.Where, Len: len(seg.Text)})
			text.WriteString(seg.Text)
		}
		if err != nil {
			rep.ErrKind = errKind(err)
			rep.ErrMsg = err.Error()
			if len(rep.ErrMsg) > 1024 {
				rep.ErrMsg = strings.ToValidUTF8(rep.ErrMsg[:1024], "")
			}
		}
		big := len(body) > 8<<20 || text.Len() > 8<<20
		body = nil
		if err := writeMsg(w, rep, []byte(text.String())); err != nil {
			return fmt.Errorf("write reply: %w", err)
		}
		if big {
			// Give the pages of a large file back before the next one,
			// so the pool's RSS watchdog sees what the worker needs now.
			debug.FreeOSMemory()
		}
	}
}
