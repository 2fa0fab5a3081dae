package main

import (
	"context"
	"flag"
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
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file with sites, serve and alerts settings")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	pushSites := fs.Bool("push-sites", false, "cluster mode: make this config's sites the database's copy (otherwise the database's settings of a site win)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return usageError{} // -h too: kept as it was
	}
	if *path == "" {
		return usageLine("xunjian serve -c FILE [--push-sites]")
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
