package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/reports/layout"
	"github.com/xunjian/xunjian/serve"
	storepkg "github.com/xunjian/xunjian/store"
)

// cmdReport is `xunjian report`: rebuild a stored run's reports from the
// history database.
func cmdReport(ctx context.Context, args []string, e env) error {
	cmd := newCommand("report", "xunjian report -c 文件 --site 站点 [--run 编号] [-o 目录] [--format 格式]", "从历史记录重新生成某次巡检的报告。", e)
	path := cmd.String("c", "", "配置`文件`（读取其中的 serve.database）")
	siteName := cmd.String("site", "", "`站点`名称、首页网址或 主机_端口（如 127.0.0.1_8080）")
	run := cmd.Int64("run", 0, "巡检`编号`（默认最近一次）")
	out := cmd.String("o", ".", "输出`目录`")
	format := cmd.String("format", "json,html,xlsx", "报告`格式`：json、html、xlsx")
	if _, err := cmd.parse(args); err != nil {
		return err
	}
	if *siteName == "" {
		return usageLine("xunjian report -c 文件 --site 站点 [--run 编号] [-o 目录] [--format 格式]")
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
			return fmt.Errorf("无法打开历史数据库 %s（serve.database）：%s（%w）", cfg.Serve.Database, explain.Error(err), err)
		}
	}
	store, err := serve.OpenStore(ctx, cfg.Serve.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, id, err := store.Report(ctx, key, *run)
	if errors.Is(err, storepkg.ErrNotFound) {
		// A site the config does not list (the demo's, another team's):
		// found by the name or homepage its runs were saved with.
		if k, ok, ferr := findStoredSite(ctx, store, *siteName); ferr != nil {
			return ferr
		} else if ok {
			key = k
			rep, id, err = store.Report(ctx, key, *run)
		}
	}
	if err != nil {
		if errors.Is(err, storepkg.ErrNotFound) {
			return usageError{err: notInHistory(ctx, store, *siteName, key, *run)}
		}
		return err
	}
	formats := splitList(*format)
	for _, f := range formats {
		if !slices.Contains(layout.Formats(), f) {
			return usageError{err: fmt.Errorf("没有“%s”这种报告格式（可用：%s）", f, strings.Join(layout.Formats(), "、"))}
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

// findStoredSite finds the history's key of a site given by the name or
// homepage URL its latest run was saved with.
func findStoredSite(ctx context.Context, st storepkg.Reader, site string) (string, bool, error) {
	keys, err := st.Sites(ctx)
	if err != nil {
		return "", false, err
	}
	if strings.Contains(site, "://") && slices.Contains(keys, layout.SiteDir(site)) {
		return layout.SiteDir(site), true, nil
	}
	for _, k := range keys {
		rep, _, err := st.Report(ctx, k, 0)
		if errors.Is(err, storepkg.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", false, err
		}
		if rep.Name == site || rep.Site == site {
			return k, true, nil
		}
	}
	return "", false, nil
}

// notInHistory says in Chinese what the history lacks, and what it has.
func notInHistory(ctx context.Context, st storepkg.Reader, site, key string, run int64) error {
	keys, _ := st.Sites(ctx)
	if slices.Contains(keys, key) && run != 0 {
		return fmt.Errorf("历史记录中没有站点 %s 编号为 %d 的巡检（不给 --run 时取最近一次）", key, run)
	}
	var known []string
	for _, k := range keys {
		if rep, _, err := st.Report(ctx, k, 0); err == nil && rep.Name != "" {
			k += "（" + rep.Name + "）"
		}
		known = append(known, k)
	}
	have := "历史记录中还没有任何巡检"
	if len(known) > 0 {
		have = "已有的站点：" + strings.Join(known, "、")
	}
	return fmt.Errorf("历史记录中没有站点“%s”：--site 可写站点名称、首页网址或 主机_端口；%s", site, have)
}
