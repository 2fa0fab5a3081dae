package inspect

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/redact"
	"github.com/xunjian/xunjian/store"
)

// This file connects a run to its site's crawl memory (store.Memory): the
// crawl asks it what was known of each URL (crawler.Memory), and it keeps
// what each page and file gave this time — the crawl's record (validators,
// outcome, links) with the inspection's own (the page's findings and what
// the checks that keep site-level state kept of it, checks.Recaller).
// Records are written in batches every crawl.checkpoint_interval, with the
// checkpoint of a scheduled run, so that another attempt of the same run
// (a failover) resumes instead of starting again.

// Scheduled identifies a scheduled run: the (site, day) it is for and the
// attempt (cluster jobs are retried on another worker).
type Scheduled struct {
	Day     string
	Attempt int
}

type scheduledKey struct{}

// WithScheduled returns ctx naming the scheduled run an inspection is: with
// Options.Memory, an attempt of a (site, day) an earlier attempt began
// resumes from its checkpoint.
func WithScheduled(ctx context.Context, s Scheduled) context.Context {
	return context.WithValue(ctx, scheduledKey{}, s)
}

func scheduledFrom(ctx context.Context) Scheduled {
	s, _ := ctx.Value(scheduledKey{}).(Scheduled)
	return s
}

// MemoryKey is the site's key in the crawl memory and its checkpoints:
// its homepage URL as the crawl writes it.
func MemoryKey(s config.Site) string {
	home, err := config.ParseSiteURL(s.URL)
	if err != nil {
		return s.URL
	}
	return home.String()
}

// record is what the memory keeps of one URL.
type record struct {
	// Gen is the generation of the rules and checks that made the
	// inspection's part: a record of another generation is not replayed.
	Gen   string        `json:"g"`
	Known crawler.Known `json:"k"`
}

// pageMemo is the inspection's record of a page or file (Known.Memo).
type pageMemo struct {
	// Findings are the page's findings (its checks and its text); for a
	// file, InFile are those about the file and its text.
	Findings []finding.Finding `json:"f,omitempty"`
	InFile   []finding.Finding `json:"i,omitempty"`
	// Checks are what Recallers kept, by check.
	Checks map[string]json.RawMessage `json:"c,omitempty"`
	// Partial marks a page a check failed on: not to be replayed.
	Partial bool `json:"p,omitempty"`
}

// checkpointData is the inspection's part of a checkpoint.
type checkpointData struct {
	StartedAt  time.Time `json:"started_at"`
	Generation string    `json:"generation"`
	// Learnt counts the URLs this attempt recorded; Progress is the
	// crawl's at the last save.
	Learnt   int              `json:"learnt"`
	Progress crawler.Progress `json:"progress"`
}

// memory is one run's side of its site's crawl memory.
type memory struct {
	st      store.Memory
	site    string
	gen     string
	log     *slog.Logger
	now     func() time.Time
	every   time.Duration
	sched   Scheduled
	started time.Time
	// resumedFrom is when the run this attempt resumes began (zero if
	// none).
	resumedFrom time.Time
	progress    func() crawler.Progress
	// failures counts check failures (any page): a page whose checks
	// failed while it was read is not remembered.
	failures func() int
	// mask keeps personal data out of the store: findings are kept
	// masked, and a URL whose record would carry personal data anyway
	// (its address, its links, a check's memo) is not remembered — it is
	// read in full every run; private counts them.
	mask    redact.Masker
	private int

	mu sync.Mutex
	// preloaded holds the site's records read in one scan at the start
	// (each taken out when looked up); complete says it holds them all,
	// so a URL missing from it is unknown without asking the store.
	preloaded map[string]store.URLState
	complete  bool
	pages     int
	puts      []store.URLState
	touches   []string
	touchAt   time.Time
	learnt    int
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
}

// maxPending bounds the records waiting for a store that does not answer;
// past it the oldest are dropped (they cost a full request next time).
const maxPending = 50000

// flushBatch is how many records wake the writer before its interval.
const flushBatch = 2000

// maxPreload bounds the records read in one scan at the start of a run
// (deflated, about 1 kB a page): the rest are looked up one by one.
const maxPreload = 128 << 20

// openMemory starts the run's memory: it resumes the checkpoint of a
// scheduled run an earlier attempt began with the same rules, or starts
// one.
func openMemory(ctx context.Context, o Options, site string) (*memory, error) {
	gen, err := generation(o)
	if err != nil {
		return nil, err
	}
	m := &memory{
		st: o.Memory, site: site, gen: gen, log: o.Logger, now: o.Now, every: o.Config.Crawl.CheckpointInterval.D(),
		sched: scheduledFrom(ctx), started: o.Now(), mask: redact.New(o.Now),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if m.every <= 0 {
		m.every = 30 * time.Second
	}
	if m.sched.Day != "" {
		cp, ok, err := m.st.Checkpoint(ctx, site, m.sched.Day)
		if err != nil {
			return nil, fmt.Errorf("crawl memory: %w", err)
		}
		var data checkpointData
		if ok && json.Unmarshal(cp.Data, &data) == nil && data.Generation == gen && !data.StartedAt.IsZero() {
			m.started, m.resumedFrom = data.StartedAt, data.StartedAt
			m.log.Info("resuming the day's run from its checkpoint", "site", site, "day", m.sched.Day,
				"started", data.StartedAt, "attempt", m.sched.Attempt, "previous_attempt", cp.Attempt, "pages_done", data.Progress.Pages)
		}
		if err := m.checkpoint(ctx); err != nil {
			return nil, err
		}
	}
	if err := m.preload(ctx); err != nil {
		return nil, err
	}
	go m.writer()
	return m, nil
}

// preload reads the site's records in one scan: one query instead of
// one per URL.
func (m *memory) preload(ctx context.Context) error {
	m.preloaded, m.complete = map[string]store.URLState{}, true
	size := 0
	err := m.st.ScanURLStates(ctx, m.site, func(st store.URLState) bool {
		if size += len(st.Data) + len(st.URL); size > maxPreload {
			m.complete = false
			return false
		}
		m.preloaded[st.URL] = st
		if st.Page {
			m.pages++
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("crawl memory: %w", err)
	}
	return nil
}

// recheck is how the crawl uses the memory.
func (m *memory) recheck(ctx context.Context, cfg config.Crawl, loc *time.Location) (crawler.Recheck, error) {
	rc := crawler.Recheck{Conditional: cfg.ConditionalGet, Location: loc, Now: m.now, ResumeSince: m.resumedFrom}
	rc.Today = crawler.DayNumber(m.now(), loc)
	if d, err := time.ParseInLocation("2006-01-02", m.sched.Day, loc); err == nil {
		rc.Today = crawler.DayNumber(d, loc)
	}
	if cfg.SpreadDays > 1 {
		n := m.pages
		if !m.complete {
			var err error
			if n, err = m.st.CountPages(ctx, m.site); err != nil {
				return rc, fmt.Errorf("crawl memory: %w", err)
			}
		}
		if n >= cfg.SpreadMinPages && n > 0 {
			rc.SpreadDays = cfg.SpreadDays
		}
	}
	return rc, nil
}

// Known implements crawler.Memory.
func (m *memory) Known(ctx context.Context, url string) (*crawler.Known, error) {
	m.mu.Lock()
	st, ok := m.preloaded[url]
	delete(m.preloaded, url)
	complete := m.complete
	m.mu.Unlock()
	if !ok && !complete {
		var err error
		if st, ok, err = m.st.URLState(ctx, m.site, url); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, nil
	}
	var rec record
	if err := decodeRecord(st.Data, &rec); err != nil {
		m.log.Warn("crawl memory: unreadable record, read again", "url", url, "err", err)
		return nil, nil
	}
	k := &rec.Known
	if k.Read {
		// What the checks made of the content is replayed only when the
		// same rules made it, and whole.
		var memo pageMemo
		if rec.Gen != m.gen || len(k.Memo) == 0 || json.Unmarshal(k.Memo, &memo) != nil || memo.Partial {
			return nil, nil
		}
	}
	k.URL, k.CheckedAt = url, st.CheckedAt
	return k, nil
}

// Learn implements crawler.Memory.
func (m *memory) Learn(k *crawler.Known) {
	if m.holdsPersonal(k) {
		m.mu.Lock()
		m.private++
		m.mu.Unlock()
		return
	}
	data, err := encodeRecord(record{Gen: m.gen, Known: *k})
	if err != nil {
		m.log.Warn("crawl memory", "url", k.URL, "err", err)
		return
	}
	m.mu.Lock()
	m.puts = append(m.puts, store.URLState{URL: k.URL, Page: k.Page != nil, CheckedAt: k.CheckedAt, Data: data})
	m.learnt++
	n := len(m.puts) + len(m.touches)
	m.mu.Unlock()
	if n >= flushBatch {
		m.poke()
	}
}

// holdsPersonal reports a record with personal data in a string the store
// would keep.
func (m *memory) holdsPersonal(k *crawler.Known) bool {
	has := func(s string) bool { return m.mask.Text(s) != s }
	if has(k.URL) || has(k.ETag) || has(k.LastModified) || has(k.Outcome.FinalURL) || has(k.Outcome.Err) || has(k.Outcome.ContentType) || has(string(k.Memo)) {
		return true
	}
	if p := k.Page; p != nil {
		if has(p.FinalURL) {
			return true
		}
		for _, l := range p.Links {
			if has(l.URL) || has(l.Text) {
				return true
			}
		}
		for _, f := range p.Frames {
			if has(f) {
				return true
			}
		}
	}
	return false
}

// masked returns copies of fs with personal data masked, for the store
// (the report masks its own at the end).
func (m *memory) masked(fs []finding.Finding) []finding.Finding {
	if len(fs) == 0 {
		return nil
	}
	out := make([]finding.Finding, len(fs))
	for i, f := range fs {
		f.Details = maps.Clone(f.Details)
		m.mask.Finding(&f)
		out[i] = f
	}
	return out
}

// Touch implements crawler.Memory.
func (m *memory) Touch(url string, at time.Time) {
	m.mu.Lock()
	m.touches = append(m.touches, url)
	m.touchAt = at
	m.learnt++
	n := len(m.puts) + len(m.touches)
	m.mu.Unlock()
	if n >= flushBatch {
		m.poke()
	}
}

func (m *memory) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// writer saves records and the checkpoint every interval, or sooner when
// many are waiting, until close.
func (m *memory) writer() {
	defer close(m.done)
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		case <-m.wake:
		}
		m.flush(context.Background())
	}
}

// flush writes what is waiting, then the checkpoint.
func (m *memory) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	m.mu.Lock()
	puts, touches, at := m.puts, m.touches, m.touchAt
	m.puts, m.touches = nil, nil
	m.mu.Unlock()
	err := m.st.PutURLStates(ctx, m.site, puts)
	if err == nil {
		puts = nil
		err = m.st.TouchURLs(ctx, m.site, touches, at)
		if err == nil {
			touches = nil
		}
	}
	if err != nil {
		m.log.Warn("crawl memory: save failed, retried at the next checkpoint", "site", m.site, "err", err)
		m.mu.Lock()
		m.puts, m.touches = append(puts, m.puts...), append(touches, m.touches...)
		if over := len(m.puts) - maxPending; over > 0 {
			m.puts = m.puts[over:]
		}
		if over := len(m.touches) - maxPending; over > 0 {
			m.touches = m.touches[over:]
		}
		m.mu.Unlock()
		return
	}
	if m.sched.Day != "" {
		if err := m.checkpoint(ctx); err != nil {
			m.log.Warn("checkpoint", "site", m.site, "err", err)
		}
	}
}

// checkpoint saves the run's progress.
func (m *memory) checkpoint(ctx context.Context) error {
	m.mu.Lock()
	data := checkpointData{StartedAt: m.started, Generation: m.gen, Learnt: m.learnt}
	m.mu.Unlock()
	if m.progress != nil {
		data.Progress = m.progress()
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if err := m.st.PutCheckpoint(ctx, store.Checkpoint{Site: m.site, Day: m.sched.Day, Attempt: m.sched.Attempt, Data: b, UpdatedAt: m.now()}); err != nil {
		return fmt.Errorf("crawl memory: %w", err)
	}
	return nil
}

// close stops the writer and saves what is left, even when the run was
// cancelled (what it finished stands).
func (m *memory) close() {
	close(m.stop)
	<-m.done
	m.flush(context.Background())
}

// page wraps the inspection's page pass: a page read in this run goes
// through read and is remembered with its findings; a page standing in
// from the memory has its findings replayed and its Recallers' state
// restored.
func (m *memory) page(ctx context.Context, recallers []checks.Recaller, collect func([]finding.Finding), read func(*crawler.Page) []finding.Finding) func(*crawler.Page) {
	if m == nil {
		return func(p *crawler.Page) { collect(read(p)) }
	}
	return func(p *crawler.Page) {
		if p.Reused != crawler.Fresh {
			var memo pageMemo
			if err := json.Unmarshal(p.Memo, &memo); err != nil {
				m.log.Warn("crawl memory: unreadable page record", "url", p.URL.String(), "err", err)
				return
			}
			collect(memo.Findings)
			for _, c := range recallers {
				safeRecall(ctx, c, p, memo.Checks[c.Name()], m.log)
			}
			return
		}
		before := m.failures()
		fs := read(p)
		collect(fs)
		memo := pageMemo{Findings: m.masked(fs)}
		for _, c := range recallers {
			b, daily := c.Memo(p)
			if len(b) > 0 {
				if memo.Checks == nil {
					memo.Checks = map[string]json.RawMessage{}
				}
				memo.Checks[c.Name()] = b
			}
			p.Daily = p.Daily || daily
		}
		memo.Partial = m.failures() != before
		p.Daily = p.Daily || len(fs) > 0
		p.Memo = mustJSON(memo)
	}
}

// file wraps the inspection's file pass the same way: a remembered file
// gives back its findings.
func (m *memory) file(a *crawler.Attachment, read func() fileFindings) fileFindings {
	if m == nil {
		return read()
	}
	if a.Reused != crawler.Fresh {
		var memo pageMemo
		if err := json.Unmarshal(a.Memo, &memo); err != nil {
			m.log.Warn("crawl memory: unreadable file record", "url", a.URL.String(), "err", err)
			return fileFindings{}
		}
		return fileFindings{inFile: memo.InFile, onPage: memo.Findings}
	}
	before := m.failures()
	fs := read()
	a.Memo = mustJSON(pageMemo{Findings: m.masked(fs.onPage), InFile: m.masked(fs.inFile), Partial: m.failures() != before})
	a.Daily = len(fs.onPage)+len(fs.inFile) > 0
	return fs
}

// safeRecall gives a check back what it kept of a page; a panic is
// logged (the page's own findings were replayed already).
func safeRecall(ctx context.Context, c checks.Recaller, p *crawler.Page, memo json.RawMessage, log *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			log.Warn("check recall failed", "check", c.Name(), "url", p.URL.String(), "panic", fmt.Sprint(r))
		}
	}()
	c.Recall(ctx, p, memo)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Findings and check memos are plain data; this is a defect.
		panic(fmt.Sprintf("inspect: encode page record: %v", err))
	}
	return b
}

// encodeRecord and decodeRecord are a record's stored form: the
// generation and the crawl's binary record (crawler.Known), deflated.
// Compressors are pooled: a new flate writer costs 600 kB.
func encodeRecord(r record) ([]byte, error) {
	known, err := r.Known.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	var n [binary.MaxVarintLen64]byte
	w.Write(n[:binary.PutUvarint(n[:], uint64(len(r.Gen)))])
	io.WriteString(w, r.Gen)
	w.Write(known)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeRecord(data []byte, r *record) error {
	fr := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(fr)
	if err := fr.(flate.Resetter).Reset(bytes.NewReader(data), nil); err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(fr, 64<<20))
	if err != nil {
		return err
	}
	gen, n := binary.Uvarint(raw)
	if n <= 0 || gen > uint64(len(raw)-n) {
		return errors.New("record: bad generation")
	}
	r.Gen = string(raw[n : n+int(gen)])
	return r.Known.UnmarshalBinary(raw[n+int(gen):])
}

var (
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// generation names the rules and checks a page's findings come from: the
// program, the checks' and content settings, the rule packs. Findings made
// under another generation are not replayed: after an upgrade or a new
// word list, every page is read again once.
func generation(o Options) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", Version, programHash())
	c := o.Config
	fmt.Fprintf(h, "%+v\n%+v\n%v %d %d\n%v\n", c.Sections, c.Content, c.Crawl.AttachmentExtensions, c.Crawl.MaxPageBytes, c.Crawl.MaxURLLength, o.Site.Hosts)
	packs, err := c.Content.LoadPacks(o.ExtraWords, o.ExtraTypos)
	if err != nil {
		return "", err
	}
	for _, w := range packs.Words {
		fmt.Fprintf(h, "%v\n", w)
	}
	for _, t := range packs.Typos {
		fmt.Fprintf(h, "%v\n", t)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// programHash identifies the running program: its VCS revision when the
// build recorded a clean one, else a hash of the executable.
var programHash = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" && modified == "false" {
			return rev
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
})

// note says in the report what this run checked when: what stood in from
// the memory, and the spread's share of the day.
func (m *memory) note(rep *finding.Report, rc crawler.Recheck, st crawler.RecheckStats) {
	meas := map[string]any{
		"conditional_get":      rc.Conditional,
		"conditional_requests": st.Conditional,
		"not_modified":         st.NotModified,
	}
	if st.NotModified > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("复查：%d 个页面和附件自上次巡检以来没有改变（服务器答复 304），沿用上次读取的链接和检查结果", st.NotModified))
	}
	if rc.SpreadDays > 1 {
		part := rc.Today%rc.SpreadDays + 1
		meas["spread_days"], meas["spread_part"] = rc.SpreadDays, part
		meas["pages_carried"], meas["targets_carried"] = st.PagesCarried, st.TargetsCarried
		line := fmt.Sprintf("本次检查了 1/%d 的链接（第 %d 组；全部链接按网址分 %d 天轮流检查，首页、栏目页和上次有问题的网址每天检查）", rc.SpreadDays, part, rc.SpreadDays)
		if n := st.PagesCarried + st.TargetsCarried; n > 0 {
			from, to := st.OldestCarried.In(rc.Location).Format("2006-01-02"), st.NewestCarried.In(rc.Location).Format("2006-01-02")
			meas["carried_checked_from"], meas["carried_checked_to"] = from, to
			when := "最近一次检查于 " + from
			if to != from {
				when = "最近一次检查于 " + from + " 至 " + to
			}
			line += fmt.Sprintf("，其余 %d 个页面和 %d 个链接本次未请求，%s，沿用当时的结果", st.PagesCarried, st.TargetsCarried, when)
		}
		rep.Notes = append(rep.Notes, line)
	}
	if !m.resumedFrom.IsZero() {
		meas["resumed_from"] = m.resumedFrom
		meas["pages_resumed"], meas["targets_resumed"] = st.PagesResumed, st.TargetsResumed
		rep.Notes = append(rep.Notes, fmt.Sprintf("本次接续 %s 开始的同日巡检（上次中途中断）：中断前已检查的 %d 个页面和 %d 个链接未再请求，沿用其结果",
			m.resumedFrom.In(rc.Location).Format("2006-01-02 15:04"), st.PagesResumed, st.TargetsResumed))
	}
	m.mu.Lock()
	if m.private > 0 {
		meas["not_kept_personal_data"] = m.private
	}
	m.mu.Unlock()
	rep.Measurements["recheck"] = meas
}

// siteLocation is the zone the site's days are counted in.
func siteLocation(o Options) *time.Location {
	tz := o.Site.TimeZone
	if tz == "" {
		tz = o.Config.Serve.TimeZone
	}
	if loc, err := time.LoadLocation(strings.TrimSpace(tz)); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

// openMemory opens the run's memory when Options.Memory is set (nil
// otherwise) and says how the crawl uses it.
func (o Options) openMemory(ctx context.Context, site string) (*memory, crawler.Recheck, error) {
	if o.Memory == nil {
		return nil, crawler.Recheck{}, nil
	}
	loc := siteLocation(o)
	m, err := openMemory(ctx, o, site)
	if err != nil {
		return nil, crawler.Recheck{}, err
	}
	rc, err := m.recheck(ctx, o.Config.Crawl, loc)
	if err != nil {
		m.close()
		return nil, crawler.Recheck{}, err
	}
	return m, rc, nil
}
