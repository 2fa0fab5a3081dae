// Package explain says in Chinese what went wrong when a request, a file or
// a browser failed, for the people who read reports: a county webmaster
// reads "连接被拒绝：服务器没有在该端口提供服务", not
// `dial tcp 10.1.2.3:80: connect: connection refused`. The technical text
// stays available beside the description (findings keep it in
// details.error) for whoever fixes the server.
//
// Descriptions are chosen from the error's text, not its Go type, so that
// errors stored as text (crawl outcomes, reports of earlier runs, errors
// passed through a worker process) are explained the same way; the
// patterns are the messages of Go's net, net/http, crypto/tls, crypto/x509,
// archive/zip and os packages, and of xunjian's own crawler, extractor and
// browser.
package explain

import (
	"context"
	"errors"
	"strings"
)

// rule maps an error text containing every one of its parts (lower case)
// to a description.
type rule struct {
	parts []string
	zh    string
}

// rules are tried in order: the more specific first.
var rules = []rule{
	// Interruption and deadlines.
	{[]string{"context canceled"}, "巡检被中断，该项未完成"},
	{[]string{"timeout awaiting response headers"}, "服务器在时限内没有返回响应（等待响应头超时）"},
	{[]string{"tls handshake timeout"}, "HTTPS 握手超时"},
	{[]string{"client.timeout exceeded"}, "请求超时：在时限内没有完成"},
	{[]string{"context deadline exceeded"}, "请求超时：在时限内没有完成"},
	{[]string{"i/o timeout"}, "连接超时：服务器在时限内没有响应"},
	{[]string{"extraction timed out"}, "文件解析超时"},
	{[]string{"timed out"}, "超时：在时限内没有完成"},
	{[]string{"timeout"}, "超时：在时限内没有完成"},

	// xunjian's own network rules.
	{[]string{"address is private"}, "目标是内网、本机或链路本地地址：公众无法访问，巡检也不访问"},
	{[]string{"redirect loop"}, "重定向循环：跳转回到了已访问过的地址"},
	{[]string{"too many redirects"}, "重定向次数过多"},
	{[]string{"stopped after", "redirects"}, "重定向次数过多"},
	{[]string{"scheme is not http or https"}, "不是 http 或 https 地址"},
	{[]string{"content encoding"}, "服务器返回的压缩数据无法解压"},

	// DNS.
	{[]string{"no such host"}, "域名无法解析：DNS 查不到该域名（域名已失效或写错）"},
	{[]string{"server misbehaving"}, "域名解析失败：DNS 服务器出错"},
	{[]string{"lookup", "no answer"}, "域名解析失败：DNS 没有返回地址"},
	{[]string{"lookup "}, "域名解析失败"},

	// Connections.
	{[]string{"connection refused"}, "连接被拒绝：服务器没有在该端口提供服务"},
	{[]string{"connection reset"}, "连接被服务器重置"},
	{[]string{"broken pipe"}, "连接被服务器关闭"},
	{[]string{"network is unreachable"}, "网络不可达"},
	{[]string{"no route to host"}, "无法连接到主机（没有路由）"},
	{[]string{"host is down"}, "主机不可达"},
	{[]string{"server closed idle connection"}, "服务器提前关闭了连接"},
	{[]string{"unexpected eof"}, "服务器提前关闭了连接，数据不完整"},

	// HTTPS.
	{[]string{"certificate has expired"}, "HTTPS 证书已过期"},
	{[]string{"certificate is not yet valid"}, "HTTPS 证书尚未生效（或本机时间有误）"},
	{[]string{"certificate signed by unknown authority"}, "HTTPS 证书不受信任（签发机构未知或为自签名证书）"},
	{[]string{"certificate is valid for"}, "HTTPS 证书与域名不符"},
	{[]string{"certificate is not valid for"}, "HTTPS 证书与域名不符"},
	{[]string{"x509:"}, "HTTPS 证书无效"},
	{[]string{"first record does not look like a tls handshake"}, "该端口不提供 HTTPS（服务器以非 HTTPS 方式应答）"},
	{[]string{"server gave http response to https client"}, "该端口不提供 HTTPS（服务器以 HTTP 方式应答）"},
	{[]string{"handshake failure"}, "HTTPS 握手失败（双方不支持相同的加密方式）"},
	{[]string{"protocol version"}, "HTTPS 握手失败（服务器的 TLS 版本过旧）"},
	{[]string{"tls:"}, "HTTPS 连接失败"},

	// Browser.
	{[]string{"no chromium"}, "本机未安装 Chromium 浏览器"},
	{[]string{"executable file not found"}, "本机未安装 Chromium 浏览器"},
	{[]string{"net::err_name_not_resolved"}, "域名无法解析"},
	{[]string{"net::err_connection_refused"}, "连接被拒绝"},
	{[]string{"net::err_blocked_by_client"}, "请求被巡检的访问规则拦截（内网地址或超出范围）"},
	{[]string{"net::err_"}, "浏览器加载页面失败"},

	// Files.
	{[]string{"zip: not a valid zip file"}, "不是有效的 zip 容器（xlsx、docx 等文件已损坏、不完整或扩展名不符）"},
	{[]string{"zip:"}, "zip 容器已损坏"},
	{[]string{"incorrect format"}, "PDF 文件格式错误（已损坏、不完整或不是 PDF）"},
	{[]string{"password"}, "文件已加密（需要密码）"},
	{[]string{"encrypted"}, "文件已加密，无法检查内容"},
	{[]string{"file too large"}, "文件过大或解压后过大（疑似压缩炸弹），未检查内容"},
	{[]string{"parser panic"}, "文件结构异常，解析器无法读取"},
	{[]string{"worker", "killed"}, "文件解析超出内存或时间限制，解析进程被终止"},
	{[]string{"does not match its extension"}, "文件内容与扩展名不符"},
	{[]string{"corrupt or truncated"}, "文件已损坏或不完整"},
	{[]string{"unsupported format"}, "不支持的文件格式"},
	{[]string{"not a document"}, "不是可读取的文档格式"},
	{[]string{"permission denied"}, "没有读写权限"},
	{[]string{"read-only file system"}, "文件系统只读，无法写入"},
	{[]string{"no space left on device"}, "磁盘空间不足"},
	{[]string{"no such file or directory"}, "文件或目录不存在"},
	{[]string{"not a directory"}, "路径中有一段不是目录"},
	{[]string{"is a directory"}, "这是一个目录，不是文件"},
	{[]string{"file exists"}, "同名文件已存在"},

	// Catch-alls, last.
	{[]string{": eof"}, "服务器提前关闭了连接，数据不完整"},
	{[]string{"dial tcp"}, "无法连接到服务器"},
}

// Text returns a Chinese description of an error's text; "" for an empty
// text. A text it does not recognise is described as 发生错误 (the caller
// keeps the text itself as the detail).
func Text(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if zh, ok := match(s); ok {
		return zh
	}
	if isChinese(s) {
		return s // already written for people
	}
	return "发生错误（技术细节见 details.error）"
}

// Error returns a Chinese description of err; "" for nil.
func Error(err error) string {
	if err == nil {
		return ""
	}
	if zh, ok := match(err.Error()); ok {
		return zh
	}
	if errors.Is(err, context.Canceled) {
		return Text(context.Canceled.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Text(context.DeadlineExceeded.Error())
	}
	return Text(err.Error())
}

// Known reports whether the text matches one of the described errors.
func Known(s string) bool {
	_, ok := match(s)
	return ok
}

func match(s string) (string, bool) {
	lower := strings.ToLower(s)
	if lower == "eof" {
		lower = ": eof"
	}
	for _, r := range rules {
		if containsAll(lower, r.parts) {
			return r.zh, true
		}
	}
	return "", false
}

// Canceled reports whether an error (or its text) is an interruption of
// the inspection itself, which says nothing about the site.
func Canceled(err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || strings.Contains(err.Error(), context.Canceled.Error()))
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// isChinese reports whether s holds Han characters: a text written for
// people, to keep as it is.
func isChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
