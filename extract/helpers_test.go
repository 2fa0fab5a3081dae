package extract

import (
	"archive/zip"
	"bytes"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(s string) []byte {
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	return b
}

// zipOf is an archive of files holding "x".
func zipOf(names ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range names {
		w, _ := zw.Create(name)
		w.Write([]byte("x"))
	}
	zw.Close()
	return b.Bytes()
}
