package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/internal/fixtures"
)

func TestExtract(t *testing.T) {
	e := NewEngine(Config{Timeout: 60 * time.Second, MaxInflate: 16 << 20})
	defer e.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		file   string
		data   []byte
		format Format
		want   []string
		err    error
	}{
		{"cjk-pdf-without-tounicode", "list.pdf", fixtures.GBKPDF("关于低保名单的公示", "张三 532627199001011234"), PDF,
			[]string{"关于低保名单的公示", "532627199001011234"}, nil},
		{"xlsx", "名单.xlsx", fixtures.XLSX([][]string{{"姓名", "身份证号"}, {"李四", "110105194912310021"}}), XLSX,
			[]string{"姓名\t身份证号", "李四\t110105194912310021"}, nil},
		{"docx", "通知.docx", fixtures.DOCX("关于补贴发放的通知", "联系电话：13812345678"), DOCX,
			[]string{"关于补贴发放的通知\n", "联系电话：13812345678"}, nil},
		{"word-binary", "名单.doc", fixtures.WordBinary("困难群众名单\n王五 13912345678"), OLE,
			[]string{"困难群众名单\n", "王五 13912345678"}, nil},
		{"wps-is-word-binary", "名单.wps", fixtures.WordBinary("公示名单"), OLE, []string{"公示名单"}, nil},
		{"xls", "名单.xls", fixtures.XLS([][]string{{"姓名", "身份证号"}, {"周某", "110105194912310021"}}), OLE,
			[]string{"姓名\t身份证号", "周某\t110105194912310021"}, nil},
		{"et-is-biff", "名单.et", fixtures.XLS([][]string{{"手机", "13812345678"}}), OLE, []string{"手机\t13812345678"}, nil},
		{"gbk-csv", "list.csv", gbk("姓名,电话\n赵六,13712345678\n"), Text, []string{"赵六,13712345678"}, nil},
		{"utf8-txt", "a.txt", []byte("通知正文"), Text, []string{"通知正文"}, nil},
		{"zip-bomb", "bomb.docx", fixtures.ZipBomb(32 << 20), DOCX, nil, ErrTooLarge},
		{"truncated-docx", "cut.docx", fixtures.DOCX("通知")[:200], DOCX, nil, ErrCorrupt},
		{"truncated-pdf", "cut.pdf", fixtures.GBKPDF("通知")[:60], PDF, nil, ErrCorrupt},
		{"binary-lying-as-pdf-name", "x.pdf", []byte{0x00, 0x01, 0x02, 0xff}, Unknown, nil, ErrUnsupported},
		{"corrupt-ole", "x.doc", append(append([]byte{}, oleMagic...), make([]byte, 100)...), OLE, nil, ErrCorrupt},
		{"archive-of-media", "a.zip", zipOf("a.png"), Zip, nil, ErrUnsupported},
		{"archive", "附件.zip", zipOf("名单.txt"), Zip, []string{"【名单.txt】", "x"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Extract(ctx, tc.file, tc.data)
			text, f := res.Text(), res.Format
			if f != tc.format {
				t.Errorf("format %s, want %s", f, tc.format)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if Reason(err) == "" {
					t.Error("no reason")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text %q lacks %q", text, w)
				}
			}
		})
	}
}

// FuzzExtract feeds arbitrary bytes to every non-PDF extractor (PDFium has
// its own fuzzing upstream and costs seconds to start): errors are fine,
// panics and hangs are not.
func FuzzExtract(f *testing.F) {
	f.Add("a.docx", fixtures.DOCX("通知"))
	f.Add("a.xlsx", fixtures.XLSX([][]string{{"a"}}))
	f.Add("a.doc", fixtures.WordBinary("名单"))
	f.Add("a.xls", fixtures.XLS([][]string{{"名单"}}))
	f.Add("a.csv", []byte("a,b\n"))
	e := NewEngine(Config{CacheDir: "-", MaxInflate: 8 << 20})
	defer e.Close()
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if Detect(name, data) == PDF {
			return
		}
		res, err := e.Extract(context.Background(), name, data)
		if err != nil && res.Text() != "" && !errors.Is(err, ErrCorrupt) {
			t.Errorf("text returned with error %v", err)
		}
	})
}
