package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/xunjian/xunjian/cluster"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/serve"
)

// cmdServe is `xunjian serve -c FILE`: the daily inspections, probes,
// alerts and dashboard until ctx ends; SIGHUP reloads the config.
func cmdServe(ctx context.Context, args []string, e env) error {
	cmd := newCommand("serve", "xunjian serve -c 文件 [--push-sites]", "按计划每天巡检、定时探测首页、发送告警并提供仪表盘；serve.database 为 postgres://… 时作为集群的一个节点运行。SIGHUP 重新读取配置，Ctrl-C 或 SIGTERM 结束。", e)
	path := cmd.String("c", "", "配置`文件`（站点、serve 和 alerts 设置）")
	logLevel := cmd.String("log-level", "info", "日志`级别`：debug、info、warn、error")
	pushSites := cmd.Bool("push-sites", false, "集群模式：用本配置的站点设置覆盖数据库中的副本（否则以数据库中的站点设置为准）")
	if _, err := cmd.parse(args); err != nil {
		return err
	}
	if *path == "" {
		return usageLine("xunjian serve -c 文件 [--push-sites]")
	}
	cfg, err := config.Load(*path)
	if err == nil {
		err = cfg.RequireSites()
	}
	if err != nil {
		return usageError{err: err}
	}
	log, err := newLogger(e.logWriter(), *logLevel)
	if err != nil {
		return usageError{err: err}
	}
	// SIGHUP reloads the config; a bad one is logged and the old one kept.
	reload := make(chan config.Config)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				c, err := config.Load(*path)
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
	ready := func(addr string) {
		if addr != "" {
			fmt.Fprintf(e.stdout, "仪表盘：http://%s/\n", addr)
		}
	}
	if serve.IsClusterDatabase(cfg.Serve.Database) {
		return cluster.Run(ctx, cluster.Options{Config: cfg, Log: log, PushSites: *pushSites, Ready: ready}, reload)
	}
	return serve.Run(ctx, serve.Options{Config: cfg, Log: log, Ready: ready}, reload)
}
