package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/reports"
)

// cmdScan is `xunjian scan FILE|DIR|URL...`: the content checks on
// documents before they are published.
func cmdScan(ctx context.Context, args []string, e env) error {
	cmd := newCommand("scan", "xunjian scan [选项] 文件|目录|网址...", "发布前检查文档：对文件、目录和网址运行敏感词、错别字和隐私检查。", e)
	var f inspectFlags
	f.register(cmd.FlagSet, scanFlagSet)
	o := cmd.Lookup("o")
	o.DefValue, o.Usage = "", "把报告写到这个`目录`（不给时只打印摘要）"
	f.out = ""
	inputs, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return usageLine("xunjian scan [选项] 文件|目录|网址...")
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return usageError{err: err}
	}
	if err := f.prepare(&cfg); err != nil {
		return usageError{err: err}
	}
	log, err := newLogger(e.logWriter(), f.logLevel)
	if err != nil {
		return usageError{err: err}
	}
	if f.out != "" {
		if err := checkWritable(f.out, "输出目录（-o）"); err != nil {
			return exitError{code: exitFailed, err: err}
		}
	}
	rep, err := inspect.Scan(ctx, inspect.Options{Config: cfg, Logger: log, Now: e.now, ExtraWords: f.words, ExtraTypos: f.typos}, inputs)
	if err != nil {
		if errors.Is(err, inspect.ErrNoTextChecks) {
			return usageError{err: err}
		}
		return err
	}
	if !f.quiet {
		reports.WriteSummary(e.stdout, rep, 50)
	}
	if f.out != "" {
		paths, err := writeReports(f.out, rep, cfg.Report.Formats)
		for _, p := range paths {
			fmt.Fprintf(e.stdout, "  报告：%s\n", p)
		}
		if err != nil {
			return err
		}
	}
	failOn, _ := finding.ParseSeverity(cfg.Report.FailOn)
	switch {
	case !rep.Complete && ctx.Err() != nil:
		return exitError{code: exitFailed}
	case rep.Worst().Rank() >= failOn.Rank() && len(rep.Findings) > 0:
		return exitError{code: exitFindings}
	case !rep.Complete:
		return exitError{code: exitIncomplete}
	}
	return nil
}
