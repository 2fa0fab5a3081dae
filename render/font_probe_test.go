package render

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

func TestFontProbe(t *testing.T) {
	if os.Getenv("XJ_CPU_PROBE") == "" {
		t.Skip()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html lang="`+os.Getenv("XJ_LANG")+`"><body><p id="a">示例县人民政府 2021 abc</p><p id="b" style="font-family:sans-serif">示例县人民政府 abc</p><p id="c" style="font-family:serif">示例县人民政府 abc</p><p id="d" style="font-family:monospace">示例县人民政府 abc</p><p id="e" style="font-family:'微软雅黑'">示例县人民政府 abc</p></body></html>`))
	}))
	defer srv.Close()
	ctx := context.Background()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL), ExecPath: os.Getenv("XJ_CPU_EXEC")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Open(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		err := chromedp.Do(p.tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			doc, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{})
			if err != nil {
				return err
			}
			n, err := cdp.Call(ctx, tg, dom.QuerySelector, dom.QuerySelectorParams{NodeID: doc.Root.NodeID, Selector: "#" + id})
			if err != nil {
				return err
			}
			fonts, err := cdp.Call(ctx, tg, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: n.NodeID})
			if err != nil {
				return err
			}
			for _, f := range fonts.Fonts {
				fmt.Printf("%s: %s (%s) %v\n", id, f.FamilyName, f.PostScriptName, f.GlyphCount)
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
}
