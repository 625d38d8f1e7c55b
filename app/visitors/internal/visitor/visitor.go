// Package visitor is the domain of the visitors service: who a visitor is
// (a keyed hash, never a raw address) and the statistic shown to them. It
// knows nothing of HTTP handlers or of the store behind it.
package visitor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"
)

// ID identifies a visitor: HMAC-SHA256 of the client address and the
// User-Agent under the service's key. Without the key an ID cannot be
// turned back into an address by trying every address.
type ID [sha256.Size]byte

// Identify returns the ID of the client at addr with userAgent.
func Identify(key []byte, addr netip.Addr, userAgent string) ID {
	mac := hmac.New(sha256.New, key)
	// The address in its canonical form, a separator no address contains,
	// then the User-Agent: no two (address, agent) pairs share an input.
	mac.Write([]byte(addr.Unmap().String()))
	mac.Write([]byte{0})
	mac.Write([]byte(userAgent))
	var id ID
	mac.Sum(id[:0])
	return id
}

// ClientAddr is the address of the client behind trusted proxies. Each
// trusted proxy appends the address it received the request from to
// X-Forwarded-For, so the client is the entry trusted-1 places from the
// end; anything before it was written by the client and cannot be trusted.
// With trusted 0, or too few entries, the header is ignored and the peer's
// address (remoteAddr, "host:port") is the client.
func ClientAddr(remoteAddr string, forwardedFor []string, trusted int) (netip.Addr, error) {
	if trusted > 0 {
		var hops []string
		for _, h := range forwardedFor {
			for _, part := range strings.Split(h, ",") {
				hops = append(hops, strings.TrimSpace(part))
			}
		}
		if len(hops) >= trusted {
			if a, err := netip.ParseAddr(hops[len(hops)-trusted]); err == nil {
				return a.Unmap(), nil
			}
		}
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, errors.New("client address unknown")
	}
	return a.Unmap(), nil
}

// Stats is what a visitor is shown.
type Stats struct {
	Unique    int64     // visitors ever seen
	Today     int64     // visitors seen today (UTC)
	FirstSeen time.Time // when this visitor was first seen
}

// Store keeps visitors. Its methods are safe for concurrent use, and Visit
// counts a visitor once however many of its first visits run at once.
type Store interface {
	// Visit records that id visited at now and returns when id was first seen.
	Visit(ctx context.Context, id ID, now time.Time) (firstSeen time.Time, err error)
	// Counts returns the visitors ever seen and those seen on day (UTC date).
	Counts(ctx context.Context, day time.Time) (unique, today int64, err error)
	// Ping reports whether the store can answer.
	Ping(ctx context.Context) error
}

// Counter records visits in a Store and reads the statistic back.
type Counter struct {
	Store Store
	Now   func() time.Time // time.Now when nil
}

// Visit records a visit of id and returns the statistic it sees.
func (c Counter) Visit(ctx context.Context, id ID) (Stats, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().UTC()
	first, err := c.Store.Visit(ctx, id, t)
	if err != nil {
		return Stats{}, err
	}
	unique, today, err := c.Store.Counts(ctx, t)
	if err != nil {
		return Stats{}, err
	}
	return Stats{Unique: unique, Today: today, FirstSeen: first.UTC()}, nil
}
