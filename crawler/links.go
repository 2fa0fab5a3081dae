package crawler

import (
	"net/url"
	"path"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// refSource is one place in HTML that holds a reference.
type refSource struct {
	selector string
	attr     string
	kind     LinkKind
}

var refSources = []refSource{
	{"a[href]", "href", KindPage},
	{"area[href]", "href", KindPage},
	{"iframe[src]", "src", KindFrame},
	{"frame[src]", "src", KindFrame},
	{"img[src]", "src", KindImage},
	{"img[data-src]", "data-src", KindImage},
	{"input[type=image][src]", "src", KindImage},
	{"video[poster]", "poster", KindImage},
	{"script[src]", "src", KindScript},
	{"link[href]", "href", KindStyle},
	{"embed[src]", "src", KindEmbed},
	{"object[data]", "data", KindEmbed},
	{"audio[src]", "src", KindEmbed},
	{"video[src]", "src", KindEmbed},
	{"source[src]", "src", KindEmbed},
	{"form[action]", "action", KindForm},
}

// ExtractLinks returns every reference in doc, resolved against the page's
// <base href> (or pageURL) and normalised. attachmentExt maps lower-case
// extensions (without dot) that mark attachments.
func ExtractLinks(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool) []Link {
	base := pageURL
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := Normalize(pageURL, href); err == nil {
			base = b
		}
	}
	var links []Link
	add := func(ref string, kind LinkKind, tag, attr, text string) {
		u, err := Normalize(base, ref)
		if err != nil {
			return
		}
		if kind == KindPage || kind == KindFrame || kind == KindEmbed {
			if attachmentExt[extension(u)] {
				kind = KindAttachment
			}
		}
		links = append(links, Link{URL: u, Kind: kind, Tag: tag, Attr: attr, Text: text})
	}
	for _, src := range refSources {
		doc.Find(src.selector).Each(func(_ int, s *goquery.Selection) {
			ref, _ := s.Attr(src.attr)
			tag := goquery.NodeName(s)
			add(ref, src.kind, tag, src.attr, linkText(s, tag))
		})
	}
	doc.Find("img[srcset], source[srcset]").Each(func(_ int, s *goquery.Selection) {
		set, _ := s.Attr("srcset")
		tag := goquery.NodeName(s)
		for _, cand := range strings.Split(set, ",") {
			if f := strings.Fields(cand); len(f) > 0 {
				add(f[0], KindImage, tag, "srcset", linkText(s, tag))
			}
		}
	})
	return links
}

// linkText is what a webmaster sees for the reference: anchor text, else
// alt or title.
func linkText(s *goquery.Selection, tag string) string {
	var t string
	switch tag {
	case "a", "form":
		t = s.Text()
		if strings.TrimSpace(t) == "" {
			if alt, ok := s.Find("img[alt]").First().Attr("alt"); ok {
				t = alt
			}
		}
	case "img", "area", "input":
		t, _ = s.Attr("alt")
	}
	if strings.TrimSpace(t) == "" {
		t, _ = s.Attr("title")
	}
	return collapse(t, 100)
}

// extension returns the lower-case extension of the URL path, without dot.
func extension(u *url.URL) string {
	ext := path.Ext(u.Path)
	if ext == "" {
		return ""
	}
	return strings.ToLower(ext[1:])
}
