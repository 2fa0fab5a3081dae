package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/netpolicy"
)

// Failure classes: the `kind` of a broken-link finding.
const (
	ClassNotFound         = "not-found"          // 404
	ClassGone             = "gone"               // 410
	ClassForbidden        = "forbidden"          // 403
	ClassRateLimited      = "rate-limited"       // 429
	ClassServerError      = "server-error"       // 5xx
	ClassClientError      = "client-error"       // other 4xx
	ClassTimeout          = "timeout"            // no answer within crawl.timeout
	ClassDNS              = "dns"                // host name does not resolve
	ClassRefused          = "refused"            // connection refused
	ClassReset            = "connection-reset"   // connection reset or closed early
	ClassTLS              = "tls"                // certificate or handshake error
	ClassRedirectLoop     = "redirect-loop"      // a redirect chain returns to a URL it visited
	ClassTooManyRedirects = "too-many-redirects" // more than crawl.max_redirects
	ClassPrivate          = "private-address"    // external link to an intranet address, not fetched
	ClassSoft404          = "soft-404"           // 200 whose body says the page does not exist
	ClassNetwork          = "network-error"      // any other transport error
	// ClassRobots marks a target robots.txt forbids (crawl.robots_txt: true):
	// not fetched, not a failure.
	ClassRobots = "robots-disallowed"
)

var (
	errRedirectLoop     = errors.New("redirect loop")
	errTooManyRedirects = errors.New("too many redirects")
)

// Outcome is what requesting one target gave, after retries.
type Outcome struct {
	Status int
	// Class is empty when the target is available.
	Class string
	// Err is the transport error text, if any.
	Err      string
	FinalURL string
	// Attempts counts requests made, retries included.
	Attempts int
	// Agree is true when every attempt failed with the same class.
	Agree       bool
	ContentType string
	Elapsed     time.Duration
	// Firewall is set when the answer was a firewall's challenge or block
	// page (Class is then ClassFirewall) or a rate limit (429, or 503 with
	// Retry-After, that never gave way).
	Firewall *readers.Firewall
}

// Failed reports whether the target is unusable or suspected to be.
func (o Outcome) Failed() bool { return o.Class != "" }

// Confirmed reports whether the failure is certain: 404 and 410 at once,
// other classes when every retry agreed.
func (o Outcome) Confirmed() bool {
	switch o.Class {
	case ClassNotFound, ClassGone, ClassPrivate, ClassClientError:
		return true
	case ClassSoft404, ClassFirewall:
		return false
	}
	return o.Agree && o.Attempts > 1
}

// ClassifyStatus maps an HTTP status to a failure class ("" if fine).
func ClassifyStatus(status int) string {
	switch {
	case status == 404:
		return ClassNotFound
	case status == 410:
		return ClassGone
	case status == 403:
		return ClassForbidden
	case status == 429:
		return ClassRateLimited
	case status >= 500:
		return ClassServerError
	case status >= 400:
		return ClassClientError
	}
	return ""
}

// ClassifyError maps a transport error to a failure class.
func ClassifyError(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		return ClassRobots
	case errors.Is(err, netpolicy.ErrPrivateAddress):
		return ClassPrivate
	case errors.Is(err, errRedirectLoop):
		return ClassRedirectLoop
	case errors.Is(err, errTooManyRedirects), errors.Is(err, netpolicy.ErrTooManyRedirects):
		return ClassTooManyRedirects
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ClassTimeout
		}
		return ClassDNS
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &invalidCert), errors.As(err, &recordErr):
		return ClassTLS
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClassReset
	case strings.Contains(err.Error(), "tls:"):
		return ClassTLS
	}
	return ClassNetwork
}

// retryable reports whether another attempt may give a different answer.
func retryable(class string) bool {
	switch class {
	case "", ClassNotFound, ClassGone, ClassPrivate, ClassClientError, ClassSoft404, ClassRobots, ClassFirewall:
		return false
	}
	return true
}
