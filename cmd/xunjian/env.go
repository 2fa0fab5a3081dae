package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/redact"
	"github.com/xunjian/xunjian/reports/layout"
)

// env is the process's outside world, passed in so the CLI runs in tests.
type env struct {
	stdout, stderr io.Writer
	// progress is true when stderr is a terminal; term then shares it
	// between the progress line and the logs.
	progress bool
	term     *terminal
	now      func() time.Time
}

func newEnv(stdout, stderr io.Writer, progress bool) env {
	e := env{stdout: stdout, stderr: stderr, progress: progress, now: time.Now}
	if progress {
		e.term = &terminal{w: stderr}
	}
	return e
}

// logWriter is where logs go: stderr, through the progress line's
// terminal when there is one.
func (e env) logWriter() io.Writer {
	if e.term != nil {
		return e.term
	}
	return e.stderr
}

// inspectFlags are the flags of inspect, scan and demo.
type inspectFlags struct {
	words, typos                                  listFlag
	config, format, out, checks, failOn, logLevel string
	concurrency, maxPages                         int
	rate                                          float64
	allowPrivate, quiet                           bool
	// siteDir, when set, is the folder under -o every site's reports go
	// to, instead of one named after the site's host and port (the demo's
	// portal listens on a new port each run).
	siteDir string
	// state is the SQLite file the crawl memory is kept in (--state).
	state string
}

// flagSet says which command's flags register declares: each command
// shows in its help only the flags it honours.
type flagSet int

const (
	inspectFlagSet flagSet = iota
	scanFlagSet            // the content checks on files and URLs: no crawl flags
	demoFlagSet            // the sample portal: its own config, its own verdict
)

// register declares the flags; their help states the defaults the
// embedded configuration gives, so that help and behaviour agree.
func (f *inspectFlags) register(fs *flag.FlagSet, set flagSet) {
	d := config.Default()
	fs.StringVar(&f.out, "o", "xunjian-reports", "输出`目录`（每个站点一个子目录）")
	fs.StringVar(&f.format, "format", "", fmt.Sprintf("报告`格式`，逗号分隔：%s（默认 %s；xlsx 为整改台账）", strings.Join(layout.Formats(), ","), strings.Join(d.Report.Formats, ",")))
	fs.StringVar(&f.logLevel, "log-level", "warn", "stderr 上的日志`级别`：debug、info、warn、error")
	fs.BoolVar(&f.quiet, "quiet", false, "不在 stdout 上打印摘要")
	if set == demoFlagSet {
		// The demo's exit code says whether its report holds exactly the
		// planted problems: --fail-on would change nothing.
		return
	}
	fs.StringVar(&f.failOn, "fail-on", "", fmt.Sprintf("有这一`级别`或更严重的问题时以退出码 1 结束：critical、high、medium、low、info（默认 %s）", d.Report.FailOn))
	fs.StringVar(&f.config, "c", "", "配置`文件`（YAML）；不给时使用默认配置")
	fs.Var(&f.words, "words", "敏感词规则包`文件`（每行：词[TAB]类别），可重复")
	fs.Var(&f.typos, "typos", "错别字规则包`文件`（每行：错误写法[TAB]正确写法），可重复")
	if set == scanFlagSet {
		fs.StringVar(&f.checks, "checks", "", "要运行的`检查项`，逗号分隔（scan 只运行读取文字的检查："+strings.Join([]string{catalog.SensitiveWord, catalog.Typo, catalog.Privacy}, ", ")+"；默认全部）")
		return
	}
	fs.StringVar(&f.checks, "checks", "", "要运行的`检查项`，逗号分隔（可用："+strings.Join(catalog.Names(), ", ")+"；默认全部）")
	fs.IntVar(&f.concurrency, "concurrency", 0, fmt.Sprintf("每个主机同时进行的`请求数`（默认 %d）", d.Crawl.Concurrency))
	fs.Float64Var(&f.rate, "rate", 0, fmt.Sprintf("每个主机每秒的`请求数`（默认 %g）", d.Crawl.Rate))
	fs.IntVar(&f.maxPages, "max-pages", 0, fmt.Sprintf("每个站点最多抓取的`页面数`（默认 %d）", d.Crawl.MaxPages))
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "允许外部链接检查访问内网和本机地址")
	fs.StringVar(&f.state, "state", "", "复查记录`文件`（SQLite，可与 serve.database 相同）：记下每个网址这次的结果，再次巡检时对未改变的页面发条件请求并沿用上次的结果（crawl.conditional_get、crawl.spread_days）")
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

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level：没有“%s”这个日志级别（可用：debug、info、warn、error）", level)
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
