package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/serve"
	storepkg "github.com/xunjian/xunjian/store"
)

// cmdReport is `xunjian report`: rebuild a stored run's reports from the
// history database.
func cmdReport(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file (its serve.database is read)")
	siteName := fs.String("site", "", "site name, homepage URL or host_port")
	run := fs.Int64("run", 0, "run id (default: the latest)")
	out := fs.String("o", ".", "output directory")
	format := fs.String("format", "json,html,xlsx", "formats: json,html,xlsx")
	if _, err := parseInterleaved(fs, args); err != nil {
		return usageError{} // -h too: kept as it was
	}
	if *siteName == "" {
		return usageLine("xunjian report -c FILE --site NAME [--run ID] [-o DIR] [--format F]")
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return usageError{err: err}
	}
	key := *siteName
	for _, s := range cfg.Sites {
		if s.Name == *siteName || s.URL == *siteName {
			key = serve.SiteKey(s)
		}
	}
	if !serve.IsClusterDatabase(cfg.Serve.Database) {
		if _, err := os.Stat(cfg.Serve.Database); err != nil {
			return fmt.Errorf("history %s: %w", cfg.Serve.Database, err)
		}
	}
	store, err := serve.OpenStore(ctx, cfg.Serve.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, id, err := store.Report(ctx, key, *run)
	if err != nil {
		if errors.Is(err, storepkg.ErrNotFound) {
			return usageError{err: err}
		}
		return err
	}
	formats := splitList(*format)
	for _, f := range formats {
		if !slices.Contains(reports.Formats(), f) {
			return usageError{err: fmt.Errorf("unknown format %q", f)}
		}
	}
	paths, err := reports.WriteFiles(filepath.Join(*out, key, strconv.FormatInt(id, 10)), rep, formats)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(e.stdout, "报告：%s\n", p)
	}
	return nil
}
