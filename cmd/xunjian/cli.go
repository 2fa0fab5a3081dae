package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/history"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/rules"
	"github.com/xunjian/xunjian/sampleportal"
	"github.com/xunjian/xunjian/serve"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // no finding at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or configuration error
	exitFailed   = 3 // the inspection could not run, or was interrupted
)

// env is the process's outside world, passed in so the CLI runs in tests.
type env struct {
	stdout, stderr io.Writer
	// progress is true when stderr is a terminal.
	progress bool
	now      func() time.Time
	// mu serialises the progress line with the final clear.
	mu *sync.Mutex
}

func newEnv(stdout, stderr io.Writer, progress bool) env {
	return env{stdout: stdout, stderr: stderr, progress: progress, now: time.Now, mu: &sync.Mutex{}}
}

const usage = `xunjian 巡检 — daily inspection of government portals

Usage:
  xunjian inspect [flags] URL [URL...]   inspect sites now and write reports
  xunjian scan [flags] FILE|DIR|URL...   check documents before publishing them
  xunjian serve -c FILE                  run the daily inspections, probes, alerts and dashboard
  xunjian report -c FILE --site NAME [--run ID] [-o DIR] [--format F]
                                         rebuild a stored report
  xunjian demo [-o DIR]                  inspect the built-in sample portal
  xunjian config check -c FILE           validate a configuration file
  xunjian config defaults                print the default configuration
  xunjian rules check [-c FILE] [--words FILE] [--typos FILE]
                                         validate rule packs
  xunjian version

Run "xunjian inspect -h" for the inspect flags.
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or config
error, 3 the inspection could not run or was interrupted.
`

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "inspect":
		return cmdInspect(ctx, args[1:], e)
	case "demo":
		return cmdDemo(ctx, args[1:], e)
	case "config":
		return cmdConfig(args[1:], e)
	case "scan":
		return cmdScan(ctx, args[1:], e)
	case "rules":
		return cmdRules(args[1:], e)
	case "serve":
		return cmdServe(ctx, args[1:], e)
	case "report":
		return cmdReport(ctx, args[1:], e)
	case "version", "--version", "-v":
		fmt.Fprintf(e.stdout, "xunjian %s\n", inspect.Version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "xunjian: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// inspectFlags are the flags of inspect and demo.
type inspectFlags struct {
	words, typos                                  listFlag
	config, format, out, checks, failOn, logLevel string
	concurrency, maxPages                         int
	rate                                          float64
	allowPrivate, quiet                           bool
}

func (f *inspectFlags) register(fs *flag.FlagSet, demo bool) {
	fs.StringVar(&f.out, "o", "xunjian-reports", "output directory (one subfolder per site)")
	fs.StringVar(&f.format, "format", "", "report formats, comma-separated: json,html (default from config: json,html)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is this severe or worse: critical, high, medium, low, info (default high)")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level on stderr: debug, info, warn, error")
	fs.BoolVar(&f.quiet, "quiet", false, "no summary on stdout")
	if demo {
		return
	}
	fs.StringVar(&f.config, "c", "", "configuration file (YAML); defaults apply without one")
	fs.StringVar(&f.checks, "checks", "", "checks to run, comma-separated (known: "+strings.Join(checks.Names(), ", ")+")")
	fs.Var(&f.words, "words", "sensitive-word pack file (word[TAB]category per line); may repeat")
	fs.Var(&f.typos, "typos", "typo pack file (wrong[TAB]right per line); may repeat")
	fs.IntVar(&f.concurrency, "concurrency", 0, "parallel requests per host (default 4)")
	fs.Float64Var(&f.rate, "rate", 0, "requests per second per host (default 10)")
	fs.IntVar(&f.maxPages, "max-pages", 0, "maximum pages to crawl per site (default 200000)")
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "let external link checks reach private and loopback addresses")
}

// apply overrides the config with the flags that were set.
func (f *inspectFlags) apply(c *rules.Config) {
	if f.format != "" {
		c.Report.Formats = splitList(f.format)
	}
	if f.failOn != "" {
		c.Report.FailOn = f.failOn
	}
	if f.checks != "" {
		c.Checks.Enabled = splitList(f.checks)
	}
	if f.concurrency != 0 {
		c.Crawl.Concurrency = f.concurrency
	}
	if f.rate != 0 {
		c.Crawl.Rate = f.rate
	}
	if f.maxPages != 0 {
		c.Crawl.MaxPages = f.maxPages
	}
	if f.allowPrivate {
		c.Crawl.AllowPrivate = true
	}
}

// prepare applies the flags to a config and validates it, with the packs
// the command line adds.
func (f *inspectFlags) prepare(c *rules.Config) error {
	f.apply(c)
	if err := c.Validate(checks.Names()); err != nil {
		return err
	}
	_, err := c.Content.LoadPacks(f.words, f.typos)
	return err
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("inspect URL -o out").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func cmdInspect(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f inspectFlags
	f.register(fs, false)
	urls, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cfg := rules.Default()
	if f.config != "" {
		if cfg, err = rules.Load(f.config, checks.Names()); err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			return exitUsage
		}
	}
	if len(urls) > 0 {
		cfg.Sites = nil
		for _, u := range urls {
			cfg.Sites = append(cfg.Sites, rules.Site{URL: u})
		}
	}
	if err := f.prepare(&cfg); err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	if err := cfg.RequireSites(); err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v: give a URL or a config file with sites\n", err)
		return exitUsage
	}
	log, err := newLogger(e.stderr, f.logLevel)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	return inspectSites(ctx, cfg, f, log, e)
}

// inspectSites inspects each site in turn, writes its reports and returns
// the exit code for all of them.
func inspectSites(ctx context.Context, cfg rules.Config, f inspectFlags, log *slog.Logger, e env) int {
	failOn, _ := finding.ParseSeverity(cfg.Report.FailOn)
	code := exitOK
	for _, site := range cfg.Sites {
		rep, err := inspect.Run(ctx, inspect.Options{
			Config: cfg, Site: site, Logger: log, Now: e.now, ExtraWords: f.words, ExtraTypos: f.typos,
			OnProgress: func(cr *crawler.Crawler) { startProgress(ctx, cr, e) },
		})
		stopProgress(e)
		if err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			code = exitFailed
			continue
		}
		dir := filepath.Join(f.out, reports.SiteDir(rep.Site))
		paths, err := reports.WriteFiles(dir, rep, cfg.Report.Formats)
		if err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			code = exitFailed
			continue
		}
		if !f.quiet {
			reports.WriteSummary(e.stdout, rep, 10)
			for _, p := range paths {
				fmt.Fprintf(e.stdout, "  报告：%s\n", p)
			}
		}
		switch {
		case !rep.Complete && ctx.Err() != nil:
			code = exitFailed
		case code == exitOK && failOn != "" && rep.Worst().Rank() >= failOn.Rank():
			code = exitFindings
		}
	}
	return code
}

// startProgress shows "pages, queue, errors, rate" on stderr while a crawl
// runs, only when stderr is a terminal.
func startProgress(ctx context.Context, cr *crawler.Crawler, e env) {
	if !e.progress {
		return
	}
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			p := cr.Progress()
			if p.Elapsed <= 0 {
				continue
			}
			e.mu.Lock()
			fmt.Fprintf(e.stderr, "\r\033[K页面 %d  目标 %d  队列 %d  错误 %d  %.0f 请求/秒",
				p.Pages, p.Targets, p.Queued, p.Errors, float64(p.Requests)/p.Elapsed.Seconds())
			e.mu.Unlock()
		}
	}()
}

func stopProgress(e env) {
	if e.progress {
		e.mu.Lock()
		fmt.Fprint(e.stderr, "\r\033[K")
		e.mu.Unlock()
	}
}

func cmdDemo(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f inspectFlags
	f.register(fs, true)
	serveAddr := fs.String("serve", "", "keep running as `xunjian serve` on the sample portal, with the dashboard on this address (e.g. 127.0.0.1:8080)")
	if _, err := parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	log, err := newLogger(e.stderr, f.logLevel)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	portal, err := sampleportal.Start(pctx, sampleportal.Options{Slow: 3 * time.Second})
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitFailed
	}
	defer portal.Close()
	fmt.Fprintf(e.stdout, "内置样例站点已启动：%s（外部站点 %s）\n", portal.URL, portal.ExternalURL)
	cfg := portal.Config()
	f.apply(&cfg)
	if err := cfg.Validate(checks.Names()); err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	if *serveAddr != "" {
		// The daily routine on the sample portal: history, alerts' outbox
		// and reports under -o, the dashboard on the address given.
		cfg.Serve.Database = filepath.Join(f.out, "xunjian.db")
		cfg.Serve.ReportsDir = filepath.Join(f.out, "reports")
		cfg.Serve.Dashboard = *serveAddr
		err := serve.Run(ctx, serve.Options{Config: cfg, Log: log, Ready: func(addr string) {
			fmt.Fprintf(e.stdout, "仪表盘：http://%s/（Ctrl-C 结束）\n", addr)
		}}, nil)
		if err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			return exitFailed
		}
		return exitOK
	}
	code := inspectSites(ctx, cfg, f, log, e)
	if code == exitFindings {
		// The sample portal is full of planted problems: finding them is success.
		code = exitOK
	}
	return code
}

func cmdConfig(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, "usage: xunjian config check -c FILE | xunjian config defaults\n")
		return exitUsage
	}
	switch args[0] {
	case "defaults":
		e.stdout.Write(rules.DefaultsYAML())
		return exitOK
	case "check":
		fs := flag.NewFlagSet("config check", flag.ContinueOnError)
		fs.SetOutput(e.stderr)
		path := fs.String("c", "", "configuration file to validate")
		rest, err := parseInterleaved(fs, args[1:])
		if err != nil {
			return exitUsage
		}
		if *path == "" && len(rest) == 1 {
			*path = rest[0]
		}
		if *path == "" {
			fmt.Fprint(e.stderr, "usage: xunjian config check -c FILE\n")
			return exitUsage
		}
		cfg, err := rules.Load(*path, checks.Names())
		if err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(e.stdout, "%s: 配置有效（%d 个站点，检查项：%s）\n", *path, len(cfg.Sites), strings.Join(cfg.Checks.Enabled, ", "))
		return exitOK
	}
	fmt.Fprintf(e.stderr, "xunjian: unknown config command %q\n", args[0])
	return exitUsage
}

// loadConfig reads -c FILE over the defaults, or the defaults alone.
func loadConfig(path string) (rules.Config, error) {
	if path == "" {
		return rules.Default(), nil
	}
	return rules.Load(path, checks.Names())
}

func cmdScan(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f inspectFlags
	f.register(fs, false)
	fs.Lookup("o").DefValue = ""
	f.out = ""
	inputs, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(inputs) == 0 {
		fmt.Fprint(e.stderr, "usage: xunjian scan [flags] FILE|DIR|URL...\n")
		return exitUsage
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	if err := f.prepare(&cfg); err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	log, err := newLogger(e.stderr, f.logLevel)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	rep, err := inspect.Scan(ctx, inspect.Options{Config: cfg, Logger: log, Now: e.now, ExtraWords: f.words, ExtraTypos: f.typos}, inputs)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		if strings.Contains(err.Error(), "none of the enabled checks") {
			return exitUsage
		}
		return exitFailed
	}
	if !f.quiet {
		reports.WriteSummary(e.stdout, rep, 50)
	}
	if f.out != "" {
		paths, err := reports.WriteFiles(f.out, rep, cfg.Report.Formats)
		if err != nil {
			fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
			return exitFailed
		}
		for _, p := range paths {
			fmt.Fprintf(e.stdout, "  报告：%s\n", p)
		}
	}
	failOn, _ := finding.ParseSeverity(cfg.Report.FailOn)
	switch {
	case !rep.Complete && ctx.Err() != nil:
		return exitFailed
	case rep.Worst().Rank() >= failOn.Rank() && len(rep.Findings) > 0:
		return exitFindings
	}
	return exitOK
}

func cmdRules(args []string, e env) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(e.stderr, "usage: xunjian rules check [-c FILE] [--words FILE] [--typos FILE]\n")
		return exitUsage
	}
	fs := flag.NewFlagSet("rules check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file whose packs to check")
	var words, typos listFlag
	fs.Var(&words, "words", "sensitive-word pack file; may repeat")
	fs.Var(&typos, "typos", "typo pack file; may repeat")
	if _, err := parseInterleaved(fs, args[1:]); err != nil {
		return exitUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	packs, err := cfg.Content.LoadPacks(words, typos)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	byCat := map[string]int{}
	for _, w := range packs.Words {
		byCat[w.Category]++
	}
	var cats []string
	for c, n := range byCat {
		cats = append(cats, fmt.Sprintf("%s %d", c, n))
	}
	slices.Sort(cats)
	serious := 0
	for _, t := range packs.Typos {
		if t.Serious {
			serious++
		}
	}
	fmt.Fprintf(e.stdout, "规则包有效：敏感词 %d 条（%s），错别字 %d 条，严重表述错误 %d 条\n",
		len(packs.Words), strings.Join(cats, "，"), len(packs.Typos)-serious, serious)
	return exitOK
}

func cmdServe(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file with sites, serve and alerts settings")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if _, err := parseInterleaved(fs, args); err != nil {
		return exitUsage
	}
	if *path == "" {
		fmt.Fprint(e.stderr, "usage: xunjian serve -c FILE\n")
		return exitUsage
	}
	cfg, err := rules.Load(*path, checks.Names())
	if err == nil {
		err = cfg.RequireSites()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	// SIGHUP reloads the config; a bad one is logged and the old one kept.
	reload := make(chan rules.Config)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				c, err := rules.Load(*path, checks.Names())
				if err == nil {
					err = c.RequireSites()
				}
				if err != nil {
					log.Error("reload rejected", "err", err)
					continue
				}
				select {
				case reload <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	err = serve.Run(ctx, serve.Options{Config: cfg, Log: log, Ready: func(addr string) {
		if addr != "" {
			fmt.Fprintf(e.stdout, "仪表盘：http://%s/\n", addr)
		}
	}}, reload)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func cmdReport(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file (its serve.database is read)")
	siteName := fs.String("site", "", "site name, homepage URL or host_port")
	run := fs.Int64("run", 0, "run id (default: the latest)")
	out := fs.String("o", ".", "output directory")
	format := fs.String("format", "json,html,xlsx", "formats: json,html,xlsx")
	if _, err := parseInterleaved(fs, args); err != nil {
		return exitUsage
	}
	if *siteName == "" {
		fmt.Fprint(e.stderr, "usage: xunjian report -c FILE --site NAME [--run ID] [-o DIR] [--format F]\n")
		return exitUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitUsage
	}
	key := *siteName
	for _, s := range cfg.Sites {
		if s.Name == *siteName || s.URL == *siteName {
			key = serve.SiteKey(s)
		}
	}
	if _, err := os.Stat(cfg.Serve.Database); err != nil {
		fmt.Fprintf(e.stderr, "xunjian: history %s: %v\n", cfg.Serve.Database, err)
		return exitFailed
	}
	store, err := history.Open(cfg.Serve.Database)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	rep, id, err := store.Report(ctx, key, *run)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		if errors.Is(err, history.ErrNotFound) {
			return exitUsage
		}
		return exitFailed
	}
	formats := splitList(*format)
	for _, f := range formats {
		if !slices.Contains(rules.Formats, f) {
			fmt.Fprintf(e.stderr, "xunjian: unknown format %q\n", f)
			return exitUsage
		}
	}
	paths, err := reports.WriteFiles(filepath.Join(*out, key, strconv.FormatInt(id, 10)), rep, formats)
	if err != nil {
		fmt.Fprintf(e.stderr, "xunjian: %v\n", err)
		return exitFailed
	}
	for _, p := range paths {
		fmt.Fprintf(e.stdout, "报告：%s\n", p)
	}
	return exitOK
}
