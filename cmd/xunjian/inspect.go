package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/internal/profiling"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/reports/layout"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

// cmdInspect is `xunjian inspect [flags] URL...`: inspect sites now and
// write their reports.
func cmdInspect(ctx context.Context, args []string, e env) error {
	cmd := newCommand("inspect", "xunjian inspect [选项] 网址...", "立即巡检网站并写出报告。网址写成 https://www.example.gov.cn/；只写域名时先试 https:// 再试 http://。", e)
	var f inspectFlags
	f.register(cmd.FlagSet, inspectFlagSet)
	cpuProfile := cmd.String("cpuprofile", "", "把整次巡检的 CPU 剖析写到这个`文件`（用 go tool pprof 查看）")
	memProfile := cmd.String("memprofile", "", "把存活堆内存峰值时的堆剖析写到这个`文件`（用 go tool pprof 查看）")
	urls, err := cmd.parse(args)
	if err != nil {
		return err
	}
	cfg := config.Default()
	if f.config != "" {
		if cfg, err = config.Load(f.config); err != nil {
			return usageError{err: err}
		}
	}
	if len(urls) > 0 {
		cfg.Sites = nil
		for _, u := range urls {
			full, err := withScheme(ctx, u, e)
			if err != nil {
				return usageError{err: err}
			}
			cfg.Sites = append(cfg.Sites, config.Site{URL: full})
		}
	}
	if err := f.prepare(&cfg); err != nil {
		return usageError{err: err}
	}
	if err := cfg.RequireSites(); err != nil {
		return usageError{err: err, text: "用法：xunjian inspect [选项] 网址...\n"}
	}
	log, err := newLogger(e.logWriter(), f.logLevel)
	if err != nil {
		return usageError{err: err}
	}
	if *cpuProfile != "" || *memProfile != "" {
		p, err := profiling.Start(*cpuProfile, *memProfile)
		if err != nil {
			return exitError{code: exitFailed, err: fmt.Errorf("剖析文件（--cpuprofile、--memprofile）：%w", err)}
		}
		defer func() {
			if err := p.Stop(); err != nil {
				log.Warn("profile", "err", err)
			}
		}()
	}
	return inspectSites(ctx, cfg, f, log, e, nil)
}

// inspectSites inspects each site in turn and writes its reports. A site
// that cannot be inspected does not stop the others: the error returned
// lists every failure (exit 3), or is an exitError with exitFindings when
// a report holds a finding at or above --fail-on. verify, when given,
// judges each finished report once it is written; its error is the site's.
func inspectSites(ctx context.Context, cfg config.Config, f inspectFlags, log *slog.Logger, e env, verify func(*finding.Report) error) error {
	failOn, _ := finding.ParseSeverity(cfg.Report.FailOn)
	// Every output folder is checked before the first request: an
	// unwritable -o found after the crawl would lose the whole run.
	dirOf := func(site string) string {
		if f.siteDir != "" {
			return filepath.Join(f.out, f.siteDir)
		}
		return filepath.Join(f.out, layout.SiteDir(site))
	}
	for _, site := range cfg.Sites {
		if err := checkWritable(dirOf(site.URL), "输出目录（-o）"); err != nil {
			return exitError{code: exitFailed, err: err}
		}
	}
	var mem store.Memory
	if f.state != "" {
		st, err := sqlite.Open(ctx, f.state)
		if err != nil {
			return exitError{code: exitFailed, err: fmt.Errorf("--state: %w", err)}
		}
		defer st.Close()
		mem = st
	}
	var failed errorList
	interrupted, found, incomplete := false, false, false
	for _, site := range cfg.Sites {
		prog := startProgress(ctx, e)
		rep, err := inspect.Run(ctx, inspect.Options{
			Config: cfg, Site: site, Logger: log, Now: e.now, ExtraWords: f.words, ExtraTypos: f.typos,
			Progress: prog.Tracker(), Memory: mem,
		})
		if err != nil {
			prog.stop()
			failed = append(failed, err)
			continue
		}
		prog.phase(inspect.PhaseReport)
		paths, err := writeReports(dirOf(rep.Site), rep, cfg.Report.Formats)
		prog.stop()
		if err != nil {
			// Saved elsewhere or not at all: either way the run failed
			// where the user looks, and the error says where to look.
			failed = append(failed, err)
			if len(paths) == 0 {
				continue
			}
		}
		if !f.quiet {
			reports.WriteSummary(e.stdout, rep, 10)
			for _, p := range paths {
				fmt.Fprintf(e.stdout, "  报告：%s\n", p)
			}
		}
		if verify != nil && ctx.Err() == nil {
			if err := verify(rep); err != nil {
				failed = append(failed, err)
				continue
			}
		}
		switch {
		case !rep.Complete && ctx.Err() != nil:
			interrupted = true
		case failOn != "" && rep.Worst().Rank() >= failOn.Rank():
			found = true
		case !rep.Complete:
			incomplete = true
		}
	}
	switch {
	case len(failed) > 0:
		return exitError{code: exitFailed, err: failed}
	case interrupted:
		return exitError{code: exitFailed}
	case found:
		return exitError{code: exitFindings}
	case incomplete:
		return exitError{code: exitIncomplete}
	}
	return nil
}
