package checks

import (
	"context"
	"log/slog"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/render"
)

// SharedBrowser is the run's one headless Chromium, started on first use:
// the crawl's rendered discovery and the dark-link check's rendering pass
// share it (one browser start, one tab limit), configured by
// checks.dark_link (chromium, tabs, render_timeout) and presenting a
// desktop browser's User-Agent, as people's browsers do. Everything it
// loads goes through a proxy applying pol, the run's outbound policy.
func SharedBrowser(ctx context.Context, cfg config.Config, pol *netpolicy.Policy, log *slog.Logger) *render.Shared {
	return render.NewShared(ctx, browserConfig(cfg.Checks.DarkLink, pol, log), BrowserIdle)
}

// BrowserIdle is how long the shared browser stays open without a page to
// render: the dark-link pass renders its pages near the run's start, and
// rendered discovery now and then later, so Chromium's memory (its
// processes' ~40–140 MB, and on our side the protocol's buffers) is not
// held through a long crawl for nothing. A start of the headless shell
// costs ~0.3 CPU-s, paid at most once a discovery render.
const BrowserIdle = 3 * time.Second

func browserConfig(dl catalog.DarkLinkConfig, pol *netpolicy.Policy, log *slog.Logger) render.Config {
	return render.Config{ExecPath: dl.Chromium, Tabs: dl.Tabs, Timeout: dl.RenderTimeout.D(), UserAgent: browserUA, Policy: pol, Logger: log}
}
