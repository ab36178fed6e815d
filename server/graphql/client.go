package graphql

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddress names the client that sent r, for the limits on credential checks: its
// IP address, or for IPv6 its /64 network, which one subscriber usually holds whole. With
// trustProxy, the address is the last one in X-Forwarded-For, the one the proxy in front
// added; any earlier one was written by the client and proves nothing.
func clientAddress(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			entries := strings.Split(vs[len(vs)-1], ",")
			if addr, err := netip.ParseAddr(strings.TrimSpace(entries[len(entries)-1])); err == nil {
				return clientNetwork(addr)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return clientNetwork(addr)
	}
	if len(host) > 64 {
		host = host[:64] // not an address: keep what names it, not whatever length was sent
	}
	return host
}

// clientNetwork returns addr as a client's name: IPv4 as it is, IPv6 as its /64.
func clientNetwork(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
