package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/redact"
)

// MaxScanFiles caps how many files one scan reads from directories.
const MaxScanFiles = 10000

// ErrNoTextChecks is Scan's error when none of the enabled checks reads
// text, so there is nothing to scan files with.
var ErrNoTextChecks = errors.New("启用的检查项都不读取文字内容：请启用 sensitive-word、typo 或 privacy")

// Scan runs the content checks on local files, directories and URLs, the
// pre-publication check an editor runs on a list before publishing it.
func Scan(ctx context.Context, o Options, inputs []string) (*finding.Report, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	all, err := Build(o)
	if err != nil {
		return nil, err
	}
	var list []checks.Check
	var textChecks []string
	for _, c := range checks.TextReaders(all) {
		list = append(list, c)
		textChecks = append(textChecks, c.Name())
	}
	if len(textChecks) == 0 {
		return nil, fmt.Errorf("scan: %w", ErrNoTextChecks)
	}
	ex := o.Extractor
	if ex == nil {
		if ex, err = NewExtractor(o.Config, o.Logger); err != nil {
			return nil, err
		}
		defer ex.Close()
	}
	rep := &finding.Report{Tool: "xunjian", Version: Version, Site: "scan", Name: "发布前检查", StartedAt: o.Now(), Checks: textChecks, Complete: true}
	fail := func(name string, err error) {
		if rep.CheckErrors == nil {
			rep.CheckErrors = map[string]string{}
		}
		rep.CheckErrors[name] = err.Error()
	}
	text := newContent(list, ex, o.Config.Content.Allow, fail)
	text.fileLabel = "文件"
	limit := o.Config.Content.MaxAttachmentBytes
	skipped := map[string]int{}
	scanOne := func(where string, data []byte, truncated, named bool) {
		rep.Stats.Pages++
		fs := text.file(ctx, where, data, truncated)
		switch {
		case fs.unsupported != nil && named:
			// The user asked for this file: not checking it is news.
			rep.Findings = append(rep.Findings, text.unreadable(where, fs.unsupported))
		case fs.unsupported != nil:
			skipped["unsupported"]++
		}
		rep.Findings = append(rep.Findings, fs.all()...)
	}
	for _, in := range inputs {
		if ctx.Err() != nil {
			rep.Complete = false
			rep.Incomplete = append(rep.Incomplete, "检查被中断")
			break
		}
		if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			data, truncated, err := fetchURL(ctx, o, in, &rep.Stats.Requests)
			if err != nil {
				return nil, fmt.Errorf("无法下载 %s：%s（%w）", in, explain.Error(err), err)
			}
			scanOne(in, data, truncated, true)
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			hint := ""
			if section.LooksLikeHost(in) {
				hint = "；若是网址，请写成 https://" + in
			}
			return nil, fmt.Errorf("无法读取 %s：%s%s（%w）", in, explain.Error(err), hint, err)
		}
		if !st.IsDir() {
			data, truncated, err := readCapped(in, limit)
			if err != nil {
				return nil, fmt.Errorf("无法读取 %s：%s（%w）", in, explain.Error(err), err)
			}
			scanOne(fileURL(in), data, truncated, true)
			continue
		}
		n := 0
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != in {
				return filepath.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			if n++; n > MaxScanFiles {
				rep.Complete = false
				rep.Incomplete = append(rep.Incomplete, fmt.Sprintf("目录 %s 中的文件超过 %d 个，其余未检查", in, MaxScanFiles))
				return filepath.SkipAll
			}
			data, truncated, err := readCapped(p, limit)
			if err != nil {
				return err
			}
			scanOne(fileURL(p), data, truncated, false)
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("无法读取目录 %s：%s（%w）", in, explain.Error(err), err)
		}
	}
	if ctx.Err() != nil && !slices.Contains(rep.Incomplete, "检查被中断") {
		rep.Complete = false
		rep.Incomplete = append(rep.Incomplete, "检查被中断")
	}
	// A file that could not be read was not checked: the scan is
	// incomplete, whatever else it found (exit code 4 when nothing else
	// fails it).
	var unread []string
	for _, f := range rep.Findings {
		if f.Check == catalog.Attachment && f.Kind == "attachment-unreadable" {
			unread = append(unread, displayName(f.Page))
		}
	}
	if len(unread) > 0 {
		rep.Complete = false
		rep.Incomplete = append(rep.Incomplete, fmt.Sprintf("%d 个文件无法读取，未检查：%s", len(unread), strings.Join(unread, "、")))
	}
	if len(skipped) > 0 {
		rep.Measurements = map[string]any{"skipped": skipped}
	}
	redact.New(o.Now).Report(rep) // as Run does: before the ids
	for i := range rep.Findings {
		rep.Findings[i].Fingerprint()
	}
	rep.Findings, rep.Ignored = ignore(rep.Findings, o.Config.Ignore)
	rep.Sort()
	rep.FinishedAt = o.Now()
	if len(rep.CheckErrors) > 0 {
		rep.Complete = false
		for _, name := range slices.Sorted(maps.Keys(rep.CheckErrors)) {
			rep.Incomplete = append(rep.Incomplete, fmt.Sprintf("检查项“%s”未能完成：%s", catalog.Title(name), explain.Text(firstLine(rep.CheckErrors[name]))))
		}
	}
	slices.Sort(rep.Incomplete)
	return rep, nil
}

func fileURL(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// readCapped reads up to limit bytes of a file and says if there was more.
func readCapped(path string, limit int64) ([]byte, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// fetchURL downloads one document for scan under the outbound policy (the
// URL's own host is trusted as given; redirects pass the guard), with the
// policy's timeout and the attachment size cap (content.max_attachment_bytes)
// after decoding. Each request it sends (each redirect hop) is added to
// *requests, as the crawl counts its own.
func fetchURL(ctx context.Context, o Options, target string, requests *int) ([]byte, bool, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, false, err
	}
	if o.Policy == nil {
		if o.Policy, err = o.policy(u.Host); err != nil {
			return nil, false, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, false, err
	}
	client := o.Policy.Client(netpolicy.Document)
	client.Transport = countRequests{next: client.Transport, n: requests}
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode >= 400 {
		resp.Body.Close()
		return nil, false, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return netpolicy.ReadBody(resp)
}

// countRequests counts the requests sent through it (scan downloads one
// document at a time).
type countRequests struct {
	next http.RoundTripper
	n    *int
}

func (c countRequests) RoundTrip(req *http.Request) (*http.Response, error) {
	*c.n++
	return c.next.RoundTrip(req)
}

// displayName is a scanned file's path (or a URL) as the user wrote it
// more or less: a file URL's path, unescaped.
func displayName(where string) string {
	u, err := url.Parse(where)
	if err != nil || u.Scheme != "file" {
		return where
	}
	return filepath.FromSlash(u.Path)
}
