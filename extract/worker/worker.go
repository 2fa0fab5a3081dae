// Package worker runs attachment extraction in child processes of xunjian
// itself (the hidden `xunjian extract-worker` subcommand, or a test binary
// acting as one), so that a hostile file can cost one finding but never the
// inspection: a parser that loops is killed at the time limit, one that
// allocates without bound hits the address-space limit or the RSS
// watchdog, one that calls log.Fatal, panics in a goroutine or dies of the
// runtime's out-of-memory error only ends its worker. Each such failure
// comes back as an *extract.LimitError naming the limit, and the next file
// gets a fresh worker.
//
// Limits, per worker:
//   - wall time per file (Config.Timeout), enforced by the parent: the
//     worker's process group is killed with SIGKILL, not asked to stop;
//   - resident memory (Config.MemoryLimit): the parent polls
//     /proc/PID/status and kills a worker above it; the worker runs with
//     debug.SetMemoryLimit at 3/4 of it so that its GC works before that;
//   - address space (Config.AddressSpace, RLIMIT_AS set by the parent with
//     prlimit): a hard ceiling the kernel applies to every mapping, so a
//     single huge allocation fails at once instead of being paged in;
//   - output: replies larger than the text caps allow are refused and the
//     worker killed.
//
// Workers are started lazily (none until the first file), reused across
// files and replaced after MaxJobs files or any failure.
package worker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/race"
)

// Config configures a Pool. Zero fields get the defaults of Defaults.
type Config struct {
	// Workers is how many files are extracted at once (one process each).
	Workers int
	// Timeout bounds one file, from the request to the reply.
	Timeout time.Duration
	// MemoryLimit is the resident memory a worker may use, in bytes.
	MemoryLimit int64
	// AddressSpace is the worker's RLIMIT_AS in bytes; negative for none.
	// Go's runtime and wazero reserve address space they never touch, so
	// this is well above MemoryLimit (see DefaultAddressSpace).
	AddressSpace int64
	// MaxJobs is how many files a worker reads before it is replaced.
	MaxJobs int
	// Extract bounds the extractors inside the worker.
	Extract extract.Config
	// Exe and Args start a worker; the default is this executable with
	// the extract-worker subcommand.
	Exe  string
	Args []string
	// StartTimeout bounds a worker's start (exec to hello).
	StartTimeout time.Duration
	// CompileMemory is the resident memory allowed while a worker starts
	// PDFium, which compiles its WebAssembly module when the on-disk
	// cache does not have it yet (no file is involved then).
	CompileMemory int64
	Logger        *slog.Logger
}

// Defaults for Config.
const (
	DefaultWorkers     = 2
	DefaultTimeout     = 60 * time.Second
	DefaultMemoryLimit = 512 << 20
	// DefaultAddressSpace is RLIMIT_AS beyond MemoryLimit: what a worker
	// reserves without using it. Measured on linux/amd64 (Go 1.26, wazero
	// 1.12, PDFium module of go-pdfium 1.21): see the README section on
	// attachment isolation.
	DefaultAddressSpace = 2 << 30
)

// Defaults fills zero fields.
func (c Config) Defaults() Config {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MemoryLimit <= 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.AddressSpace == 0 {
		c.AddressSpace = c.MemoryLimit + DefaultAddressSpace
	}
	if c.MaxJobs <= 0 {
		c.MaxJobs = 500
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.CompileMemory <= 0 {
		c.CompileMemory = 1 << 30
	}
	if len(c.Args) == 0 {
		c.Args = []string{Command}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Extract = c.Extract.Defaults()
	// The engine's own PDF timer stops PDFium first and says "timeout" in
	// the file's own words; the pool's kill is the backstop.
	c.Extract.Timeout = min(c.Extract.Timeout, c.Timeout)
	// The race detector reserves terabytes of address space and
	// multiplies memory use: race builds (tests) set no RLIMIT_AS and
	// allow four times the memory.
	if race.Enabled {
		c.MemoryLimit *= 4
		c.CompileMemory *= 4
		c.AddressSpace = -1
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Workers > 64:
		return fmt.Errorf("workers: at most 64, got %d", c.Workers)
	case c.MemoryLimit > 0 && c.MemoryLimit < 64<<20:
		return fmt.Errorf("memory limit: at least 64 MiB, got %d bytes", c.MemoryLimit)
	case c.Timeout > 0 && c.Timeout < time.Second:
		return fmt.Errorf("timeout: at least 1s, got %v", c.Timeout)
	}
	return nil
}

// ErrUnavailable means no worker could be started: nothing about the file.
var ErrUnavailable = extract.ErrUnavailable

// Pool extracts files in worker processes. It implements
// extract.Extractor. It is safe for concurrent use.
type Pool struct {
	cfg   Config
	slots chan struct{}
	mu    sync.Mutex
	idle  []*proc
	all   map[*proc]bool
	done  bool
	ids   atomic.Uint64
	stats Stats
}

var _ extract.Extractor = (*Pool)(nil)

// Stats count what a pool did.
type Stats struct {
	// Started and Failed count workers started, and those killed or dead
	// on a file.
	Started, Failed int
	// Files counts the files sent to workers.
	Files int
	// PeakRSS is the highest resident memory (VmHWM) seen of any worker.
	PeakRSS int64
	// Limits counts failures by limit.
	Limits map[extract.Limit]int
}

// New returns a pool; no worker starts before the first file.
func New(cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	if cfg.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		cfg.Exe = exe
	}
	return &Pool{cfg: cfg, slots: make(chan struct{}, cfg.Workers), all: map[*proc]bool{}}, nil
}

// Config returns the pool's effective configuration.
func (p *Pool) Config() Config { return p.cfg }

// Stats returns a copy of the pool's counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Limits = map[extract.Limit]int{}
	for k, v := range p.stats.Limits {
		s.Limits[k] = v
	}
	return s
}

// Extract reads one file in a worker. A worker that is killed or dies
// gives an *extract.LimitError; a cancelled ctx kills the worker and
// gives ctx.Err().
func (p *Pool) Extract(ctx context.Context, name string, data []byte) (extract.Result, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return extract.Result{}, ctx.Err()
	}
	defer func() { <-p.slots }()
	w, err := p.get(ctx)
	if err != nil {
		return extract.Result{}, err
	}
	res, err, alive := w.extract(ctx, p.ids.Add(1), name, data, p.cfg)
	p.put(w, alive, err)
	return res, err
}

// get returns an idle worker or starts one.
func (p *Pool) get(ctx context.Context) (*proc, error) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: pool closed", ErrUnavailable)
	}
	for n := len(p.idle); n > 0; n = len(p.idle) {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		select {
		case <-w.exited:
			// Died while idle (killed from outside): not this file's fault.
			delete(p.all, w)
			continue
		default:
		}
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	if IsChild() {
		// A worker never starts workers: a test binary without the
		// TestMain hook would otherwise run its tests in every child.
		return nil, fmt.Errorf("%w: already inside a worker (does the test binary call worker.IsChild in TestMain?)", ErrUnavailable)
	}
	w, err := start(ctx, p.cfg)
	if err != nil {
		if ctx.Err() == nil {
			p.cfg.Logger.Error("extract worker did not start", "err", err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	p.mu.Lock()
	p.stats.Started++
	p.all[w] = true
	closed := p.done
	p.mu.Unlock()
	if closed {
		w.stop()
		return nil, fmt.Errorf("%w: pool closed", ErrUnavailable)
	}
	return w, nil
}

// put returns a worker to the idle list, or retires it.
func (p *Pool) put(w *proc, alive bool, err error) {
	rss, peak, _ := procMemory(w.pid)
	p.mu.Lock()
	p.stats.Files++
	p.stats.PeakRSS = max(p.stats.PeakRSS, peak, w.peak)
	var le *extract.LimitError
	if errors.As(err, &le) {
		p.stats.Failed++
		if p.stats.Limits == nil {
			p.stats.Limits = map[extract.Limit]int{}
		}
		p.stats.Limits[le.Limit]++
	}
	// A worker still holding most of its limit after a file (heap the
	// runtime has not returned) is replaced rather than trusted with the
	// next one.
	retire := !alive || p.done || w.jobs >= p.cfg.MaxJobs || rss > p.cfg.MemoryLimit*3/4
	if !retire {
		p.idle = append(p.idle, w)
	} else {
		delete(p.all, w)
	}
	p.mu.Unlock()
	if retire {
		w.stop()
	}
	if le != nil {
		p.cfg.Logger.Warn("extract worker failed", "limit", le.Limit, "detail", le.Detail)
	}
}

// Close stops every worker. Files in flight fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.done = true
	ws := make([]*proc, 0, len(p.all))
	for w := range p.all {
		ws = append(ws, w)
	}
	p.all = map[*proc]bool{}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range ws {
		if _, peak, err := procMemory(w.pid); err == nil {
			p.mu.Lock()
			p.stats.PeakRSS = max(p.stats.PeakRSS, peak)
			p.mu.Unlock()
		}
		w.stop()
	}
	if s := p.Stats(); s.Started > 0 {
		p.cfg.Logger.Info("extract workers", "started", s.Started, "failed", s.Failed, "files", s.Files,
			"peak_rss_mb", s.PeakRSS>>20, "limits", fmt.Sprint(s.Limits))
	}
	return nil
}

// proc is one worker process.
type proc struct {
	cmd    *exec.Cmd
	pid    int
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *tail
	exited chan struct{} // closed when the process has been reaped
	state  *os.ProcessState
	jobs   int
	peak   int64
	killed atomic.Bool
	// pdfReady: PDFium is started in this worker (see warmUp).
	pdfReady bool
}

// start execs a worker, limits it, sends the setup and waits for hello.
func start(ctx context.Context, cfg Config) (*proc, error) {
	cmd := exec.Command(cfg.Exe, cfg.Args...)
	cmd.Env = childEnv()
	cmd.SysProcAttr = procAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w := &proc{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 64<<10), stderr: &tail{max: 8 << 10}, exited: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w.pid = cmd.Process.Pid
	go func() {
		_ = cmd.Wait()
		w.state = cmd.ProcessState
		close(w.exited)
	}()
	if err := limitAddressSpace(w.pid, cfg.AddressSpace); err != nil {
		w.stop()
		return nil, err
	}
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		bw := bufio.NewWriter(stdin)
		err := writeMsg(bw, setup{Config: cfg.Extract, SoftMemory: cfg.MemoryLimit * 3 / 4, CompileSoftMemory: max(cfg.MemoryLimit, cfg.CompileMemory) * 3 / 4}, nil)
		if err == nil {
			var h hello
			_, err = readMsg(w.stdout, &h, 4<<10, 0)
			if err == nil && h.Version != protocolVersion {
				err = fmt.Errorf("worker speaks %q, want %q", h.Version, protocolVersion)
			}
		}
		done <- result{err}
	}()
	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			w.stop()
			return nil, fmt.Errorf("worker handshake: %v%s", r.err, w.stderr.firstLine())
		}
	case <-timer.C:
		w.abandon()
		<-done
		return nil, fmt.Errorf("worker did not answer within %v", cfg.StartTimeout)
	case <-ctx.Done():
		w.abandon()
		<-done
		return nil, ctx.Err()
	}
	return w, nil
}

// abandon kills a worker that was given no file yet and reaps it. stop's
// grace period would be spent in full: a worker still starting reads its
// closed stdin only once started (seconds under load or -race), and a
// cancelled inspection waited for it.
func (w *proc) abandon() {
	w.kill()
	<-w.exited
	w.stdin.Close()
}

// childEnv is the little a worker needs: not the parent's secrets.
func childEnv() []string {
	env := []string{envChild + "=1"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "XDG_CACHE_HOME", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// kill ends the worker's process group at once.
func (w *proc) kill() {
	w.killed.Store(true)
	killGroup(w.pid)
}

// stop closes stdin (a healthy worker exits on EOF), then kills what is
// left after a moment, and reaps the process.
func (w *proc) stop() {
	w.stdin.Close()
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
		w.kill()
		<-w.exited
	}
}

// limits bound one call to a worker.
type limits struct {
	timeout time.Duration
	memory  int64
	output  int
}

// call sends one request and waits for the reply, the time limit, the
// memory limit or ctx. alive is false when the worker must not be reused;
// then err is a *extract.LimitError or ctx.Err().
func (w *proc) call(ctx context.Context, req request, data []byte, lim limits) (rep reply, text []byte, err error, alive bool) {
	w.jobs++
	w.stderr.reset()
	type result struct {
		rep  reply
		text []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// The header frame is buffered; a file past the buffer goes to
		// the pipe as it is (a 64 KB buffer a call was 28 MB of a run
		// with 400 attachments, for the same two writes).
		bw := bufio.NewWriter(w.stdin)
		if err := writeMsg(bw, req, data); err != nil {
			done <- result{err: fmt.Errorf("write request: %w", err)}
			return
		}
		var r result
		r.text, r.err = readMsg(w.stdout, &r.rep, 1<<20, lim.output)
		done <- r
	}()
	timer := time.NewTimer(lim.timeout)
	defer timer.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	fail := func(limit extract.Limit, detail string) (reply, []byte, error, bool) {
		w.kill()
		<-done
		<-w.exited
		return reply{}, nil, &extract.LimitError{Limit: limit, Detail: detail}, false
	}
	for {
		select {
		case r := <-done:
			switch {
			case errors.Is(r.err, errTooBig):
				w.kill()
				<-w.exited
				return reply{}, nil, &extract.LimitError{Limit: extract.LimitOutput, Detail: r.err.Error()}, false
			case r.err != nil:
				return reply{}, nil, w.died(r.err), false
			case r.rep.ID != req.ID:
				return fail(extract.LimitCrash, "reply to another request")
			}
			return r.rep, r.text, nil, true
		case <-timer.C:
			return fail(extract.LimitTime, fmt.Sprintf("killed after %v", lim.timeout))
		case <-ctx.Done():
			w.kill()
			<-done
			<-w.exited
			return reply{}, nil, ctx.Err(), false
		case <-tick.C:
			rss, peak, err := procMemory(w.pid)
			if err != nil {
				continue
			}
			w.peak = max(w.peak, peak)
			if rss > lim.memory {
				return fail(extract.LimitMemory, fmt.Sprintf("resident memory %d MiB above the %d MiB limit", rss>>20, lim.memory>>20))
			}
		}
	}
}

// extract reads one file in the worker.
func (w *proc) extract(ctx context.Context, id uint64, name string, data []byte, cfg Config) (extract.Result, error, bool) {
	format := extract.Detect(name, data)
	if (format == extract.PDF || format == extract.Zip) && !w.pdfReady {
		if err, alive := w.warmUp(ctx, id, cfg); err != nil {
			return extract.Result{Format: format}, err, alive
		}
	}
	// Four segments (HTML) of at most MaxText each, plus slack.
	lim := limits{timeout: cfg.Timeout, memory: cfg.MemoryLimit, output: 4*cfg.Extract.MaxText + 64<<10}
	rep, text, err, alive := w.call(ctx, request{ID: id, Name: name}, data, lim)
	if err != nil {
		return extract.Result{Format: format}, err, alive
	}
	res, err := decodeReply(rep, text)
	return res, err, err == nil || !errors.Is(err, extract.ErrLimit)
}

// warmUp starts PDFium in the worker before its first PDF (or archive,
// which may hold PDFs). Compiling PDFium's WebAssembly module when it is
// not yet in the on-disk cache takes about 350 MB for some seconds, once
// per machine: this runs with the compile budget, not the file limits,
// and involves no file, so no hostile input gets the larger budget.
func (w *proc) warmUp(ctx context.Context, id uint64, cfg Config) (error, bool) {
	lim := limits{timeout: max(cfg.Timeout, 3*time.Minute), memory: max(cfg.MemoryLimit, cfg.CompileMemory), output: 4 << 10}
	rep, _, err, alive := w.call(ctx, request{ID: id, WarmUp: true}, nil, lim)
	if err != nil {
		var le *extract.LimitError
		if errors.As(err, &le) {
			err = fmt.Errorf("%w: starting PDFium: %v", extract.ErrUnavailable, err)
		}
		return err, alive
	}
	if rep.ErrKind != "" {
		// Retire the worker: the next PDF tries a fresh one.
		return fmt.Errorf("%w: starting PDFium: %s", extract.ErrUnavailable, rep.ErrMsg), false
	}
	w.pdfReady = true
	return nil, true
}

// died explains a worker whose pipe broke: it exited or was killed by
// something other than the pool.
func (w *proc) died(ioErr error) error {
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
		w.kill()
		<-w.exited
	}
	_, peak, _ := procMemory(w.pid)
	w.peak = max(w.peak, peak)
	limit, detail := explainExit(w.state, w.stderr.String(), ioErr)
	return &extract.LimitError{Limit: limit, Detail: detail}
}

// explainExit tells a memory failure from a crash by the exit and the
// runtime's last words on stderr.
func explainExit(st *os.ProcessState, stderr string, ioErr error) (extract.Limit, string) {
	status := "pipe: " + ioErr.Error()
	if st != nil {
		status = st.String()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			// Not the pool: the kernel's OOM killer (a cgroup limit).
			return extract.LimitMemory, "worker killed by SIGKILL (out of memory)"
		}
	}
	lower := strings.ToLower(stderr)
	first := firstLine(stderr)
	switch {
	case strings.Contains(lower, "out of memory"), strings.Contains(lower, "cannot allocate memory"),
		strings.Contains(lower, "memory limit"):
		return extract.LimitMemory, status + ": " + first
	}
	if first != "" {
		return extract.LimitCrash, status + ": " + first
	}
	return extract.LimitCrash, status
}

// firstLine picks the line of a worker's stderr that says what happened:
// the runtime's "fatal error:", "panic:" or "runtime:" line, cut short.
// Anything else (a library's log line) may quote the file, so it stays out
// of reports.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "runtime:") {
			if len(l) > 160 {
				l = strings.ToValidUTF8(l[:160], "") + "…"
			}
			return l
		}
	}
	return ""
}

func decodeReply(rep reply, text []byte) (extract.Result, error) {
	res := extract.Result{Format: rep.Format, Truncated: rep.Truncated}
	off := 0
	for _, s := range rep.Segments {
		if s.Len < 0 || off+s.Len > len(text) {
			return extract.Result{}, &extract.LimitError{Limit: extract.LimitCrash, Detail: "reply segments do not match its text"}
		}
		res.Segments = append(res.Segments, extract.Segment{Where: s.Where, Text: string(text[off : off+s.Len])})
		off += s.Len
	}
	if rep.ErrKind != "" {
		sentinel, ok := errKinds[rep.ErrKind]
		if !ok {
			sentinel = extract.ErrCorrupt
		}
		msg := rep.ErrMsg
		// The worker's message already starts with the sentinel's text.
		msg = strings.TrimPrefix(msg, sentinel.Error()+": ")
		return res, fmt.Errorf("%w: %s", sentinel, msg)
	}
	return res, nil
}

// tail keeps what a worker wrote to stderr during the current file: the
// first max bytes (where the runtime's "fatal error:" or "panic:" line
// is) and the last max bytes.
type tail struct {
	mu   sync.Mutex
	max  int
	head []byte
	buf  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if room := t.max - len(t.head); room > 0 {
		k := min(room, len(p))
		t.head = append(t.head, p[:k]...)
		p = p[k:]
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return n, nil
}

func (t *tail) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.head, t.buf = t.head[:0], t.buf[:0]
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	return string(bytes.ToValidUTF8(append(append([]byte{}, t.head...), b...), nil))
}

func (t *tail) firstLine() string {
	if s := firstLine(t.String()); s != "" {
		return " (" + s + ")"
	}
	return ""
}
