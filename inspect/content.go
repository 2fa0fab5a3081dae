package inspect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/rules"
)

// maxSegmentText caps the text taken from one page.
const maxSegmentText = 4 << 20

// content runs the text-reading checks on pages and files; inspect and
// scan share it.
type content struct {
	// fileLabel is how messages name files: 附件 (inspect) or 文件 (scan).
	fileLabel string
	checks    []checks.TextReader
	ex        extract.Extractor
	allow     rules.Allow
	fail      func(check string, err error)
	// parts, when set, labels each check's work for CPU profiles
	// (inspect; nil for scan).
	parts *parts
}

func newContent(list []checks.Check, ex extract.Extractor, allow rules.Allow, fail func(string, error)) *content {
	return &content{checks: checks.TextReaders(list), ex: ex, allow: allow, fail: fail}
}

// fileFindings are the findings of one file: inFile are about the file or
// its text (an inspection reports them on the page that links to the file);
// onPage are those of a file that turned out to be an HTML page, reported
// on it like any page's.
type fileFindings struct {
	inFile, onPage []finding.Finding
	// unsupported, when set, says the file is of a kind with no text to
	// read (an image, an archive): nothing was checked, and nothing is
	// wrong with the file. Scan reports it when the user named the file.
	unsupported error
}

// all returns every finding of the file.
func (f fileFindings) all() []finding.Finding { return append(f.inFile, f.onPage...) }

func (c *content) active() bool { return len(c.checks) > 0 }

// run hands one document to every text check; a panic becomes a check error.
func (c *content) run(ctx context.Context, doc *checks.Document) []finding.Finding {
	var out []finding.Finding
	for _, ch := range c.checks {
		func() {
			defer func() {
				if r := recover(); r != nil {
					c.fail(ch.Name(), fmt.Errorf("panic on %s: %v\n%s", doc.URL, r, debug.Stack()))
				}
			}()
			c.parts.do("text:"+ch.Name(), "crawl", func() { out = append(out, ch.Text(ctx, doc)...) })
		}()
	}
	return out
}

// page checks a parsed page's title, description, alt texts and body, and
// the text its scripts show: the titles of list entries the page readers
// found outside the markup (a Hanweb datastore, dataproxy pages, a
// JavaScript list), and what only the rendered document has. Hacked CMS
// lists carry their spam there, where the markup's text never shows it.
func (c *content) page(ctx context.Context, p *crawler.Page) []finding.Finding {
	pageURL := p.URL.String()
	if !c.active() || p.Doc == nil || c.allow.PageAllowed(pageURL) {
		return nil
	}
	// The body's text is a view of the text walk's buffer, the next
	// page's once released: the findings keep copies of their strings.
	var segs []extract.Segment
	var release func()
	c.parts.do("page-text", "crawl", func() { segs, release = extract.PageSegmentsIn(p.Doc, maxSegmentText) })
	defer release()
	fs := c.run(ctx, &checks.Document{URL: pageURL, Segments: append(segs, scriptedSegments(p, segs)...)})
	for i := range fs {
		keepOwnStrings(&fs[i])
	}
	return fs
}

// scriptedSegments returns the "list" segment (entry titles the markup's
// text lacks) and the "rendered" segment (lines of the rendered body the
// static body and those titles lack) of a page.
func scriptedSegments(p *crawler.Page, static []extract.Segment) []extract.Segment {
	if len(p.Entries) == 0 && p.Rendered == nil {
		return nil // most pages: nothing but the markup
	}
	seen := map[string]bool{}
	for _, s := range static {
		if s.Where == "body" || s.Where == "title" {
			for _, l := range strings.Split(s.Text, "\n") {
				seen[strings.TrimSpace(l)] = true
			}
		}
	}
	var out []extract.Segment
	add := func(where string, lines []string) {
		var b strings.Builder
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" || seen[l] || b.Len()+len(l) > maxSegmentText {
				continue
			}
			seen[l] = true
			b.WriteString(l)
			b.WriteByte('\n')
		}
		if b.Len() > 0 {
			out = append(out, extract.Segment{Where: where, Text: strings.TrimSuffix(b.String(), "\n")})
		}
	}
	titles := make([]string, 0, len(p.Entries))
	for _, e := range p.Entries {
		titles = append(titles, e.Title)
	}
	add("list", titles)
	if p.Rendered != nil {
		for _, s := range extract.PageSegments(p.Rendered, maxSegmentText) {
			if s.Where == "body" {
				add("rendered", strings.Split(s.Text, "\n"))
			}
		}
	}
	return out
}

// file checks an attachment or local file; one that cannot be read gives an
// attachment-unreadable finding instead, one read only in part an
// attachment-truncated finding besides what its text gave.
func (c *content) file(ctx context.Context, fileURL string, data []byte, truncated bool) fileFindings {
	if !c.active() || c.allow.PageAllowed(fileURL) {
		return fileFindings{}
	}
	name := fileURL
	if u, err := url.Parse(fileURL); err == nil {
		name = path.Base(u.Path)
	}
	attachmentFinding := func(kind, message string, err error) finding.Finding {
		return finding.Finding{
			Check: catalog.Attachment, Severity: finding.Low, Certainty: finding.Confirmed, Kind: kind,
			Page: fileURL, Target: fileURL, Message: message, Evidence: err.Error(),
		}
	}
	unreadable := func(err error) fileFindings {
		return fileFindings{inFile: []finding.Finding{c.unreadable(fileURL, err)}}
	}
	if truncated {
		return unreadable(fmt.Errorf("%w: larger than content.max_attachment_bytes (%d bytes read)", extract.ErrTooLarge, len(data)))
	}
	// Every format, HTML included, is parsed in a worker process.
	res, err := c.ex.Extract(ctx, name, data)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return fileFindings{}
		case errors.Is(err, extract.ErrUnsupported) && claimsDocument(name):
			// Random bytes named 名单.xlsx: the file says it is a list and
			// cannot be read as one.
			return unreadable(fmt.Errorf("%w: %w: %s (%v)", extract.ErrCorrupt, errNotItsExtension, name, err))
		case errors.Is(err, extract.ErrUnsupported):
			return fileFindings{unsupported: err} // archives, media: nothing to read, nothing wrong
		}
		return unreadable(err)
	}
	var out fileFindings
	if res.Format == extract.HTML {
		out.onPage = c.run(ctx, &checks.Document{URL: fileURL, Segments: res.Segments})
	} else {
		out.inFile = c.run(ctx, &checks.Document{URL: fileURL, Attachment: true, FileLabel: c.fileLabel, Segments: res.Segments})
	}
	if res.Truncated {
		out.inFile = append(out.inFile, attachmentFinding("attachment-truncated",
			"附件内容过长或结构超出限制，只检查了其中一部分（content.extract.max_text_bytes）",
			fmt.Errorf("text capped at %d bytes", len(res.Text()))))
	}
	return out
}

// unreadable is the finding about a file that could not be read: its
// content was not checked (无法读取，未检查), and why, in Chinese; the
// technical error in details.error.
func (c *content) unreadable(fileURL string, err error) finding.Finding {
	label := c.fileLabel
	if label == "" {
		label = "附件"
	}
	reason := extract.Reason(err)
	if errors.Is(err, errNotItsExtension) {
		reason = "文件内容不是其扩展名所示的格式（已损坏、不完整或扩展名不符）"
	}
	return finding.Finding{
		Check: catalog.Attachment, Severity: finding.Low, Certainty: finding.Confirmed, Kind: "attachment-unreadable",
		Page: fileURL, Target: fileURL,
		Message:  label + "无法读取，未检查其中的敏感词、错别字和个人信息：" + reason,
		Evidence: explain.Error(err),
		Details:  map[string]any{"error": err.Error()},
	}
}

// errNotItsExtension: the file's bytes are not of the format its name
// says.
var errNotItsExtension = errors.New("content does not match its extension")

// documentExtensions are the extensions of the formats the extractor
// reads: a file named so whose bytes are none of them is unreadable, not
// an image or archive to skip.
var documentExtensions = []string{".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".csv", ".txt", ".html", ".htm"}

func claimsDocument(name string) bool {
	return slices.Contains(documentExtensions, strings.ToLower(path.Ext(name)))
}
