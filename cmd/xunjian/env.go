package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/redact"
)

// env is the process's outside world, passed in so the CLI runs in tests.
type env struct {
	stdout, stderr io.Writer
	// progress is true when stderr is a terminal.
	progress bool
	now      func() time.Time
}

func newEnv(stdout, stderr io.Writer, progress bool) env {
	return env{stdout: stdout, stderr: stderr, progress: progress, now: time.Now}
}

// inspectFlags are the flags of inspect, scan and demo.
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
	fs.StringVar(&f.checks, "checks", "", "checks to run, comma-separated (known: "+strings.Join(catalog.Names(), ", ")+")")
	fs.Var(&f.words, "words", "sensitive-word pack file (word[TAB]category per line); may repeat")
	fs.Var(&f.typos, "typos", "typo pack file (wrong[TAB]right per line); may repeat")
	fs.IntVar(&f.concurrency, "concurrency", 0, "parallel requests per host (default 4)")
	fs.Float64Var(&f.rate, "rate", 0, "requests per second per host (default 10)")
	fs.IntVar(&f.maxPages, "max-pages", 0, "maximum pages to crawl per site (default 200000)")
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "let external link checks reach private and loopback addresses")
}

// apply overrides the config with the flags that were set.
func (f *inspectFlags) apply(c *config.Config) {
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
func (f *inspectFlags) prepare(c *config.Config) error {
	f.apply(c)
	if err := c.Validate(); err != nil {
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

// flagsFailed is the error of a command whose flags did not parse: the
// flag package has already printed what was wrong, or the help for -h,
// which exits 0.
func flagsFailed(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return exitError{code: exitOK}
	}
	return usageError{}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	// Personal data never reaches the log (redact: the report's masking).
	return redact.New(nil).Logger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))), nil
}

// loadConfig reads -c FILE over the defaults, or the defaults alone.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}
