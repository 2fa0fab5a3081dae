package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/netpolicy"
)

// schemeProbeTimeout bounds the look at a bare host's HTTPS port.
const schemeProbeTimeout = 5 * time.Second

// withScheme returns the homepage URL the user meant. A URL with a scheme
// is kept as written (the config validates it). A bare host —
// www.example.gov.cn, 10.0.0.1:8080/portal/ — becomes https:// when the
// host completes a TLS handshake on its HTTPS port (the port written, or
// 443), else http://, and stderr says which was chosen. Anything else is
// an error in Chinese saying how to write it.
func withScheme(ctx context.Context, s string, e env) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		return s, nil
	}
	if !section.LooksLikeHost(s) {
		return "", fmt.Errorf("“%s”不是网址：首页地址应写成 https://www.example.gov.cn/ 这样", s)
	}
	hostport := s
	if i := strings.IndexAny(hostport, "/?#"); i >= 0 {
		hostport = hostport[:i]
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), "443"
	}
	scheme := "http"
	if speaksTLS(ctx, host, port) {
		scheme = "https"
	}
	full := scheme + "://" + s
	if !strings.ContainsAny(strings.TrimPrefix(full, scheme+"://"), "/?#") {
		full += "/"
	}
	fmt.Fprintf(e.stderr, "xunjian: “%s”没有写协议，%s，按 %s 巡检\n", s, map[bool]string{true: "该主机提供 HTTPS", false: "该主机不提供 HTTPS"}[scheme == "https"], full)
	return full, nil
}

// speaksTLS reports whether host:port completes a TLS handshake. The
// certificate is not judged here: the connectivity check reports it.
func speaksTLS(ctx context.Context, host, port string) bool {
	ctx, cancel := context.WithTimeout(ctx, schemeProbeTimeout)
	defer cancel()
	// The user named this host (it may be on the intranet): a plain dial,
	// as for other endpoints the user configures.
	conn, err := netpolicy.Dial(ctx, net.JoinHostPort(host, port), schemeProbeTimeout)
	if err != nil {
		return false
	}
	defer conn.Close()
	c := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true}) //nolint:gosec // only asks whether HTTPS is served
	return c.HandshakeContext(ctx) == nil
}
