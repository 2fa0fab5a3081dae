package checks

import (
	"context"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/render"
)

// SharedBrowser is the run's one headless Chromium, started on first use:
// the crawl's rendered discovery and the dark-link check's rendering pass
// share it (one browser start, one tab limit), configured by
// checks.dark_link (chromium, tabs, render_timeout) and presenting a
// desktop browser's User-Agent, as people's browsers do.
func SharedBrowser(ctx context.Context, cfg config.Config) *render.Shared {
	dl := cfg.Checks.DarkLink
	return render.NewShared(ctx, render.Config{ExecPath: dl.Chromium, Tabs: dl.Tabs, Timeout: dl.RenderTimeout.D(), UserAgent: browserUA})
}
