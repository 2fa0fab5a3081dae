package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The probes here (XJ_CPU_PROBE=1) time Chromium's CPU step by step on the
// benchmark's heavy pages; README's Performance section quotes them.

// procInfo is a process's parent, CPU ticks (user+sys) and Chromium
// process type ("browser:…" for the browser itself).
type procInfo struct {
	ppid, ticks int
	typ         string
}

// readProcs reads every process's procInfo from /proc.
func readProcs() map[int]procInfo {
	out := map[int]procInfo{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
		ppid, _ := strconv.Atoi(f[1])
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		typ := ""
		for _, a := range strings.FieldsFunc(string(cmd), func(r rune) bool { return r == 0 || r == ' ' }) {
			if t, ok := strings.CutPrefix(a, "--type="); ok {
				typ = t
			}
			if strings.HasPrefix(a, "--user-data-dir=") && typ == "" {
				typ = "browser:" + a
			}
		}
		out[pid] = procInfo{ppid, u + s, typ}
	}
	return out
}

// cpuTracker keeps the last ticks seen of every process of a Chromium
// (dead ones keep theirs).
type cpuTracker struct {
	dir  string
	last map[int]int
	typ  map[int]string
}

// sample returns the ticks of the browser's processes by type, the dead
// ones' last seen included.
func (c *cpuTracker) sample() map[string]int {
	ps := readProcs()
	root := 0
	for pid, p := range ps {
		if strings.HasPrefix(p.typ, "browser:") && strings.Contains(p.typ, c.dir) {
			root = pid
		}
	}
	in := map[int]bool{root: true}
	for changed := true; changed; {
		changed = false
		for pid, p := range ps {
			if !in[pid] && in[p.ppid] {
				in[pid] = true
				changed = true
			}
		}
	}
	for pid := range in {
		if p, ok := ps[pid]; ok && root != 0 {
			c.last[pid] = p.ticks
			t := p.typ
			if strings.HasPrefix(t, "browser:") {
				t = "browser"
			}
			if t == "" {
				t = "other"
			}
			c.typ[pid] = t
		}
	}
	out := map[string]int{}
	for pid, v := range c.last {
		out[c.typ[pid]] += v
	}
	return out
}

// TestChromiumCPUBySteps (XJ_CPU_PROBE=1) prints Chromium's CPU by step
// on the benchmark's heavy pages.
func TestChromiumCPUBySteps(t *testing.T) {
	if os.Getenv("XJ_CPU_PROBE") == "" {
		t.Skip("XJ_CPU_PROBE not set")
	}
	needBrowser(t)
	srv := benchServer(t)
	ctx := context.Background()
	var flags []string
	if f := os.Getenv("XJ_CPU_FLAGS"); f != "" {
		flags = strings.Fields(f)
	}
	began := time.Now()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL), extraFlags: flags, ExecPath: os.Getenv("XJ_CPU_EXEC")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	prev := map[string]int{}
	tr := &cpuTracker{dir: b.dataDir, last: map[int]int{}, typ: map[int]string{}}
	total := map[string]int{}
	lap := func(name string) {
		time.Sleep(50 * time.Millisecond)
		now := tr.sample()
		var parts []string
		sum := 0
		keys := []string{}
		for k := range now {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := now[k] - prev[k]
			sum += d
			total[name] += d
			parts = append(parts, fmt.Sprintf("%s=%d", k, d))
		}
		if os.Getenv("XJ_CPU_QUIET") == "" {
			fmt.Printf("%-28s %4d ticks  %s  (%.1fs)\n", name, sum, strings.Join(parts, " "), time.Since(began).Seconds())
		}
		prev = now
	}
	lap("launch")
	for i, path := range []string{"/", "/p/1.html", "/p/2.html"} {
		p, err := b.Open(ctx, srv.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		lap(fmt.Sprintf("open %s", path))
		if i == 0 {
			if _, err := p.Screenshot(ctx); err != nil {
				t.Fatal(err)
			}
			lap("homepage screenshot")
		}
		n := 0
		for _, e := range p.Elements {
			if e.Technique == "" || n >= 4 {
				continue
			}
			n++
			at, err := show(p.tab, []Mark{{Index: e.Index}})
			if err != nil {
				t.Fatal(err)
			}
			lap(fmt.Sprintf("outlineJS %d", e.Index))
			full, err := chromedp.Run(p.tab, b.fullPNG(true))
			if err != nil {
				t.Fatal(err)
			}
			lap(fmt.Sprintf("full fast PNG %dKB", len(full)>>10))
			c := CropRect(*at.Boxes[0], at.PW, at.PH)
			crop, err := chromedp.Run(p.tab, b.capture(&page.Viewport{X: c.X, Y: c.Y, Width: c.W, Height: c.H, Scale: 1}, false))
			if err != nil {
				t.Fatal(err)
			}
			lap(fmt.Sprintf("crop %dKB", len(crop)>>10))
			chromedp.Run(p.tab, chromedp.Evaluate[bool](restoreJS))
			lap("restore")
		}
		p.Close()
		lap("close")
	}
}

func TestChromiumCPUDetail(t *testing.T) {
	if os.Getenv("XJ_CPU_PROBE") == "" {
		t.Skip("XJ_CPU_PROBE not set")
	}
	needBrowser(t)
	srv := benchServer(t)
	ctx := context.Background()
	var flags []string
	if f := os.Getenv("XJ_CPU_FLAGS"); f != "" {
		flags = strings.Fields(f)
	}
	began := time.Now()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL), extraFlags: flags, ExecPath: os.Getenv("XJ_CPU_EXEC")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	prev := map[string]int{}
	tr := &cpuTracker{dir: b.dataDir, last: map[int]int{}, typ: map[int]string{}}
	totals := map[string]int{}
	lap := func(name string) {
		time.Sleep(50 * time.Millisecond)
		now := tr.sample()
		var parts []string
		sum := 0
		keys := []string{}
		for k := range now {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := now[k] - prev[k]
			sum += d
			parts = append(parts, fmt.Sprintf("%s=%d", k, d))
		}
		totals[strings.Fields(name)[0]] += sum
		if os.Getenv("XJ_CPU_QUIET") == "" {
			fmt.Printf("%-28s %4d ticks  %s  (%.1fs)\n", name, sum, strings.Join(parts, " "), time.Since(began).Seconds())
		}
		prev = now
	}
	lap("launch")
	for i, path := range []string{"/", "/p/1.html", "/p/2.html", "/p/3.html", "/p/4.html"} {
		url := srv.URL + path
		tab, cancel := chromedp.NewContext(b.browser)
		nav, err := watch(tab, tab, b.cfg.Policy, url)
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("XJ_CPU_NODOM") != "" {
			for _, m := range []string{"CSS.disable", "DOM.disable", "Log.disable"} {
				if err := chromedp.FromContext(tab).Target.Call(tab, m, cdp.Empty{}, nil); err != nil {
					t.Fatal(m, err)
				}
			}
		}
		lap("tab")
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1366, 900), fonts); err != nil {
			t.Fatal(err)
		}
		lap("viewport")
		if os.Getenv("XJ_CPU_NODOM") != "" {
			if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
				t.Fatal(err)
			}
		} else if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
			t.Fatal(err)
		}
		lap("load")
		settle := 300 * time.Millisecond
		if d, err := time.ParseDuration(os.Getenv("XJ_CPU_SETTLE")); err == nil {
			settle = d
		}
		chromedp.Do(tab, chromedp.Sleep(settle))
		lap("settle")
		if os.Getenv("XJ_CPU_SETTLE") != "" {
			chromedp.Do(tab, chromedp.Sleep(settle))
			lap("settle2")
		}
		if _, err := chromedp.Run(tab, chromedp.Evaluate[[]Element](visibilityJS)); err != nil {
			t.Fatal(err)
		}
		lap("visibility")
		nav.left(tab)
		if i == 0 {
			yes := true
			for _, v := range []struct {
				name   string
				format page.CaptureScreenshotFormat
				q      int64
				fast   bool
				beyond bool
			}{
				{"png", page.CaptureScreenshotFormatPng, 0, false, true},
				{"png-fast", page.CaptureScreenshotFormatPng, 0, true, true},
				{"jpeg80", page.CaptureScreenshotFormatJpeg, 80, false, true},
				{"jpeg80-fast", page.CaptureScreenshotFormatJpeg, 80, true, true},
				{"webp80", page.CaptureScreenshotFormatWebp, 80, false, true},
				{"png-viewport", page.CaptureScreenshotFormatPng, 0, false, false},
				{"png", page.CaptureScreenshotFormatPng, 0, false, true},
				{"png-fast", page.CaptureScreenshotFormatPng, 0, true, true},
				{"jpeg80", page.CaptureScreenshotFormatJpeg, 80, false, true},
			} {
				if os.Getenv("XJ_CPU_VARIANTS") == "" && v.name != "png" {
					continue
				}
				if os.Getenv("XJ_CPU_VARIANTS") == "" && totals["shot-png"] > 0 {
					continue
				}
				beyond, fast := v.beyond, v.fast
				p := page.CaptureScreenshotParams{Format: v.format, CaptureBeyondViewport: &beyond, FromSurface: &yes, OptimizeForSpeed: &fast}
				if v.q > 0 {
					q := v.q
					p.Quality = &q
				}
				res, err := chromedp.Run(tab, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, p)
					if err != nil {
						return nil, err
					}
					return r.Data, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				lap(fmt.Sprintf("shot-%s %dKB", v.name, len(res)>>10))
				if os.Getenv("XJ_CPU_SAVE") != "" {
					os.WriteFile("/tmp/chromecpu/home-"+v.name+"."+string(v.format), res, 0o644)
				}
			}
		}
		cancel()
		lap("close")
	}
	sum := 0
	for _, v := range totals {
		sum += v
	}
	fmt.Println("TOTAL", sum, totals)
}

// TestOutlineCost (XJ_CPU_PROBE=1) prints Chromium's CPU for the evidence
// of 6 links of a heavy page: an outlined whole page and a crop each
// (Outline), against a crop each and one whole page (Crop, OutlineAll).
func TestOutlineCost(t *testing.T) {
	if os.Getenv("XJ_CPU_PROBE") == "" {
		t.Skip("XJ_CPU_PROBE not set")
	}
	needBrowser(t)
	srv := benchServer(t)
	ctx := context.Background()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL), ExecPath: os.Getenv("XJ_CPU_EXEC")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tr := &cpuTracker{dir: b.dataDir, last: map[int]int{}, typ: map[int]string{}}
	total := func() int {
		time.Sleep(50 * time.Millisecond)
		n := 0
		for _, v := range tr.sample() {
			n += v
		}
		return n
	}
	for round := range 3 {
		for _, way := range []string{"each", "shared"} {
			p, err := b.Open(ctx, srv.URL+fmt.Sprintf("/p/%d.html", 1+round))
			if err != nil {
				t.Fatal(err)
			}
			var marks []Mark
			for _, e := range p.Elements[len(p.Elements)-12 : len(p.Elements)-6] {
				marks = append(marks, Mark{Index: e.Index, Label: len(marks) + 1})
			}
			t0 := total()
			for _, m := range marks {
				if way == "each" {
					_, err = p.Outline(ctx, m.Index)
				} else {
					_, err = p.Crop(ctx, m.Index, m.Label)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if way == "shared" {
				if _, err := p.OutlineAll(ctx, marks); err != nil {
					t.Fatal(err)
				}
			}
			fmt.Printf("round %d %-6s 6 links: %d ticks\n", round, way, total()-t0)
			p.Close()
		}
	}
}
