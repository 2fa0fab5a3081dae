package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of the guard, checked with errors.Is.
var (
	// ErrPrivateAddress is returned for a host that is, or resolves to, a
	// private, loopback, link-local or otherwise internal address while
	// those are not allowed.
	ErrPrivateAddress = errors.New("address is private, loopback or link-local")
	// ErrScheme is returned for a URL (or a redirect to one) whose scheme
	// is not http or https.
	ErrScheme = errors.New("scheme is not http or https")
	// ErrTooManyRedirects is returned when a fetch is redirected more often
	// than the policy allows.
	ErrTooManyRedirects = errors.New("too many redirects")
)

// guard decides which addresses a request may reach: any public address,
// the site's own hosts whatever they resolve to (an intranet portal is
// inspected from inside), and private ones only when allowed.
type guard struct {
	allowPrivate bool
	allowNets    []netip.Prefix
	own          map[string]bool // hostnames, lower case, no port or trailing dot
	resolver     Resolver
}

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

func newGuard(allowPrivate bool, allowNetworks, ownHosts []string, r Resolver) (*guard, error) {
	g := &guard{allowPrivate: allowPrivate, own: map[string]bool{}, resolver: r}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	for _, n := range allowNetworks {
		p, err := netip.ParsePrefix(strings.TrimSpace(n))
		if err != nil {
			return nil, fmt.Errorf("allow_networks %q: %w", n, err)
		}
		g.allowNets = append(g.allowNets, p.Masked())
	}
	for _, h := range ownHosts {
		if h = hostKey(h); h != "" {
			g.own[h] = true
		}
	}
	return g, nil
}

// hostKey is a hostname as the guard compares it: lower case, without port,
// brackets or trailing dots.
func hostKey(h string) string {
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimRight(strings.ToLower(h), ".")
}

// withOwn returns a copy of g that also trusts hosts.
func (g *guard) withOwn(hosts ...string) *guard {
	c := *g
	c.own = make(map[string]bool, len(g.own)+len(hosts))
	for h := range g.own {
		c.own[h] = true
	}
	for _, h := range hosts {
		if h = hostKey(h); h != "" {
			c.own[h] = true
		}
	}
	return &c
}

func (g *guard) isOwn(host string) bool { return g.own[hostKey(host)] }

// allowedAddr reports whether a request may reach ip.
func (g *guard) allowedAddr(ip netip.Addr) bool {
	if g.allowPrivate || !IsPrivate(ip) {
		return true
	}
	ip = ip.WithZone("").Unmap()
	for _, n := range g.allowNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// checkURL is the guard's look at one request or redirect hop before any
// connection: the scheme, and a host written as an address in any form a
// resolver or browser accepts (decimal, hex, octal, short IPv4, IPv6 with
// an embedded IPv4). Names are checked when dialled, after resolution.
func (g *guard) checkURL(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("no URL: %w", ErrScheme)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%s: %w", u.Scheme, ErrScheme)
	}
	host := u.Hostname()
	if g.isOwn(host) {
		return nil
	}
	if ip, ok := ParseHostAddr(host); ok && !g.allowedAddr(ip) {
		return fmt.Errorf("%s (%s): %w", host, ip, ErrPrivateAddress)
	}
	return nil
}

// dialer dials through the guard: own hosts as they are, any other host
// only at addresses the guard allows, resolved once and dialled by address
// so that a second lookup cannot answer differently (DNS rebinding).
type dialer struct {
	g     *guard
	d     *net.Dialer
	force string // "tcp4"/"tcp6" forces the network (probes); "" keeps it
	// deny, when set, refuses an address whatever the guard says (the
	// browser proxy's own address, so the browser cannot loop through it);
	// own hosts are then resolved and checked too.
	deny func(ip netip.Addr, port string) bool
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.force != "" {
		network = d.force
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	own := d.g.isOwn(host)
	if _, system := d.g.resolver.(*net.Resolver); own && system && d.deny == nil {
		return d.d.DialContext(ctx, network, addr)
	}
	var ips []netip.Addr
	if ip, ok := ParseHostAddr(host); ok {
		ips = []netip.Addr{ip}
	} else {
		found, err := d.g.resolver.LookupIPAddr(ctx, strings.TrimRight(host, "."))
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				ips = append(ips, ip.WithZone(a.Zone))
			}
		}
	}
	var lastErr error = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	for _, ip := range ips {
		if d.deny != nil && d.deny(ip, port) {
			lastErr = fmt.Errorf("dial %s (%s): the browser proxy itself: %w", host, ip, ErrPrivateAddress)
			continue
		}
		if !own && !d.g.allowedAddr(ip) {
			lastErr = fmt.Errorf("dial %s (%s): %w", host, ip, ErrPrivateAddress)
			continue
		}
		c, err := d.d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func newDialer(g *guard, timeout time.Duration, force string) *dialer {
	return &dialer{g: g, d: &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}, force: force}
}

// ParseHostAddr reads a URL host as an IP address the way resolvers and
// browsers do: dotted IPv4 with decimal, hex (0x7f) or octal (0177) parts,
// the short forms (127.1, 2130706433), IPv6 with or without brackets and
// zone. ok is false for a name.
func ParseHostAddr(host string) (ip netip.Addr, ok bool) {
	h := strings.TrimRight(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return a, true
	}
	return parseLegacyIPv4(h)
}

// parseLegacyIPv4 parses inet_aton forms: one to four parts, each decimal,
// 0x-hex or 0-octal, the last part filling the remaining bytes.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := range last {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n |= vals[i] << (24 - 8*i)
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// internalV4 are IPv4 ranges a crawler must not be steered into: this
// network, RFC 1918, CGNAT, loopback, link-local, IETF assignments,
// benchmarking, multicast, reserved and broadcast.
var internalV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// internalV6 are IPv6 ranges treated the same way (addresses embedding an
// IPv4 address are judged by that address, below).
var internalV6 = []netip.Prefix{
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	v4compat  = netip.MustParsePrefix("::/96")
)

// IsPrivate reports internal addresses: loopback, private (RFC 1918,
// fc00::/7), link-local, unspecified, CGNAT (100.64/10), multicast and
// reserved ranges, and IPv6 addresses that embed such an IPv4 address
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4).
func IsPrivate(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is4() {
		for _, p := range internalV4 {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	for _, p := range internalV6 {
		if p.Contains(ip) {
			return true
		}
	}
	b := ip.As16()
	switch {
	case v4compat.Contains(ip), nat64.Contains(ip):
		return IsPrivate(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(ip):
		return IsPrivate(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return false
}

// IsPrivateIP is IsPrivate for a net.IP.
func IsPrivateIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	return !ok || IsPrivate(a)
}
