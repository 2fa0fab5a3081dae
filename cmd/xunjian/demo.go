package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/sampleportal"
	"github.com/xunjian/xunjian/serve"
)

// cmdDemo is `xunjian demo`: start the built-in sample portal, inspect it
// and check the report against the problems planted in it (exit 3 on a
// difference), or with --serve run the daily service on it.
func cmdDemo(ctx context.Context, args []string, e env) error {
	cmd := newCommand("demo", "xunjian demo [-o 目录] [--serve 地址]", "启动内置样例站点并巡检它，核对报告与预置的问题是否一致。", e)
	var f inspectFlags
	f.register(cmd.FlagSet, demoFlagSet)
	serveAddr := cmd.String("serve", "", "在样例站点上持续运行 xunjian serve，仪表盘开在这个`地址`（如 127.0.0.1:8080）")
	if _, err := cmd.parse(args); err != nil {
		return err
	}
	log, err := newLogger(e.logWriter(), f.logLevel)
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
	f.siteDir = "demo"
	if err := cfg.Validate(); err != nil {
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
	// The demo checks itself: the report must hold exactly the portal's
	// planted problems (sampleportal.Expected) and be complete but for
	// what the portal plants as unreachable (its firewall-protected
	// section, sampleportal.ExpectedIncomplete).
	_, noBrowser := render.Find(cfg.Checks.DarkLink.Chromium)
	browser := noBrowser == nil
	verify := func(rep *finding.Report) error {
		missing, unexpected := portal.Diff(rep, browser)
		incomplete := portal.IncompleteDiff(rep)
		if len(missing) == 0 && len(unexpected) == 0 && incomplete == "" {
			if !f.quiet {
				fmt.Fprintf(e.stdout, "核对：样例站点预置的 %d 个问题全部发现，没有多报\n", len(portal.Expected(browser)))
			}
			return nil
		}
		fmt.Fprintln(e.stderr, "核对：演示报告与样例站点预置的问题不一致")
		for _, m := range missing {
			fmt.Fprintf(e.stderr, "  未发现：%s\n", m)
		}
		for _, u := range unexpected {
			fmt.Fprintf(e.stderr, "  多报：%s\n", u)
		}
		if incomplete != "" {
			fmt.Fprintf(e.stderr, "  报告完整性与预期不符：%s（报告：%v）\n", incomplete, rep.Incomplete)
		}
		msg := fmt.Sprintf("演示核对未通过：未发现 %d 个预置问题，多报 %d 个", len(missing), len(unexpected))
		if incomplete != "" {
			msg += "，报告完整性与预期不符"
		}
		return errors.New(msg + "（见上）")
	}
	err = inspectSites(ctx, cfg, f, log, e, verify)
	var exit exitError
	if errors.As(err, &exit) && exit.code == exitFindings {
		// The sample portal is full of planted problems: finding them is success.
		return nil
	}
	return err
}
