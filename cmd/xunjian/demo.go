package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/sampleportal"
	"github.com/xunjian/xunjian/serve"
)

// cmdDemo is `xunjian demo`: start the built-in sample portal and inspect
// it, or with --serve run the daily service on it.
func cmdDemo(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f inspectFlags
	f.register(fs, true)
	serveAddr := fs.String("serve", "", "keep running as `xunjian serve` on the sample portal, with the dashboard on this address (e.g. 127.0.0.1:8080)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return flagsFailed(err)
	}
	log, err := newLogger(e.stderr, f.logLevel)
	if err != nil {
		return usageError{err: err}
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	portal, err := sampleportal.Start(pctx, sampleportal.Options{Slow: 3 * time.Second})
	if err != nil {
		return err
	}
	defer portal.Close()
	fmt.Fprintf(e.stdout, "内置样例站点已启动：%s（外部站点 %s）\n", portal.URL, portal.ExternalURL)
	cfg := portal.Config()
	f.apply(&cfg)
	if err := cfg.Validate(checks.Names()); err != nil {
		return usageError{err: err}
	}
	if *serveAddr != "" {
		// The daily routine on the sample portal: history, alerts' outbox
		// and reports under -o, the dashboard on the address given.
		cfg.Serve.Database = filepath.Join(f.out, "xunjian.db")
		cfg.Serve.ReportsDir = filepath.Join(f.out, "reports")
		cfg.Serve.Dashboard = *serveAddr
		return serve.Run(ctx, serve.Options{Config: cfg, Log: log, Ready: func(addr string) {
			fmt.Fprintf(e.stdout, "仪表盘：http://%s/（Ctrl-C 结束）\n", addr)
		}}, nil)
	}
	err = inspectSites(ctx, cfg, f, log, e)
	var exit exitError
	if errors.As(err, &exit) && exit.code == exitFindings {
		// The sample portal is full of planted problems: finding them is success.
		return nil
	}
	return err
}
