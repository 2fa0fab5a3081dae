package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/redact"
)

// MaxScanFiles caps how many files one scan reads from directories.
const MaxScanFiles = 10000

// ErrNoTextChecks is Scan's error when none of the enabled checks reads
// text, so there is nothing to scan files with.
var ErrNoTextChecks = errors.New("none of the enabled checks reads text (enable sensitive-word, typo or privacy)")

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
		ex = newExtractor()
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
	scanOne := func(where string, data []byte, truncated bool) {
		rep.Stats.Pages++
		rep.Findings = append(rep.Findings, text.file(ctx, where, data, truncated).all()...)
	}
	for _, in := range inputs {
		if ctx.Err() != nil {
			rep.Complete = false
			rep.Incomplete = append(rep.Incomplete, "检查被中断")
			break
		}
		if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			data, truncated, err := fetchURL(ctx, o, in)
			if err != nil {
				return nil, fmt.Errorf("scan %s: %w", in, err)
			}
			scanOne(in, data, truncated)
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if !st.IsDir() {
			data, truncated, err := readCapped(in, limit)
			if err != nil {
				return nil, fmt.Errorf("scan: %w", err)
			}
			scanOne(fileURL(in), data, truncated)
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
			scanOne(fileURL(p), data, truncated)
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("scan %s: %w", in, err)
		}
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
// after decoding.
func fetchURL(ctx context.Context, o Options, target string) ([]byte, bool, error) {
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
	resp, err := o.Policy.Client(netpolicy.Document).Do(req)
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode >= 400 {
		resp.Body.Close()
		return nil, false, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return netpolicy.ReadBody(resp)
}
