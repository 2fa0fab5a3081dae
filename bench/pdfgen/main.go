// Command pdfgen writes N generated PDFs into a directory, with an
// index.html linking them all, and optionally serves the directory on
// loopback: the input of bench/pdfs.sh (attachment extraction at scale).
// A third of the files are one-page CJK notices whose font has no
// ToUnicode map (GBK-EUC-H, as Chinese office software writes them), the
// rest 10- and 40-page documents; every tenth carries a mobile number.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/xunjian/xunjian/internal/fixtures"
)

func main() {
	n := flag.Int("n", 500, "number of PDFs")
	dir := flag.String("dir", "", "output directory (required)")
	serve := flag.Bool("serve", false, "serve the directory on loopback; the first stdout line is its URL")
	flag.Parse()
	if *dir == "" {
		log.Fatal("pdfgen: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	var index strings.Builder
	index.WriteString("<html><head><meta charset=\"utf-8\"><title>政务公开 附件</title></head><body><ul>\n")
	for i := range *n {
		name := fmt.Sprintf("doc%04d.pdf", i)
		var data []byte
		switch i % 3 {
		case 0:
			lines := []string{fmt.Sprintf("关于第%d批临时救助对象的公示", i), "根据有关规定，现将名单公示如下。"}
			if i%10 == 0 {
				lines = append(lines, "联系电话：13812345678")
			}
			data = fixtures.GBKPDF(lines...)
		case 1:
			data = fixtures.PDFText(10, "Notice on the annual work report", fmt.Sprintf("Document %d", i))
		default:
			data = fixtures.PDFText(40, "Public budget of the county government", fmt.Sprintf("Document %d", i))
		}
		if err := os.WriteFile(filepath.Join(*dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&index, "<li><a href=\"%s\">附件%d</a></li>\n", name, i)
	}
	index.WriteString("</ul></body></html>\n")
	if err := os.WriteFile(filepath.Join(*dir, "index.html"), []byte(index.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	if !*serve {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, http.FileServer(http.Dir(*dir))))
}
