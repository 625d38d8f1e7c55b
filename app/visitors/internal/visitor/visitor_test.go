package visitor

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientAddr_TrustsOnlyConfiguredProxies(t *testing.T) {
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted int
		want    string
	}{
		{"no proxy: the peer", "203.0.113.7:5555", nil, 0, "203.0.113.7"},
		{"no proxy: header ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, 0, "203.0.113.7"},
		{"one proxy: last entry", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.1"}, 1, "198.51.100.1"},
		{"two proxies over two headers", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.1", "10.0.0.9"}, 2, "198.51.100.1"},
		{"too few entries: the peer", "10.0.0.2:80", []string{"198.51.100.1"}, 2, "10.0.0.2"},
		{"garbage entry: the peer", "10.0.0.2:80", []string{"not-an-ip"}, 1, "10.0.0.2"},
		{"IPv4 in IPv6 is one address", "[::ffff:203.0.113.7]:1", nil, 0, "203.0.113.7"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, 0, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClientAddr(tt.remote, tt.xff, tt.trusted)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
	_, err := ClientAddr("pipe", nil, 0)
	assert.EqualError(t, err, "client address unknown")
}

func TestIdentify_KeyedAndDistinct(t *testing.T) {
	a := netip.MustParseAddr("203.0.113.7")
	k1, k2 := []byte("key-one-key-one-key-one-key-one!"), []byte("key-two-key-two-key-two-key-two!")
	assert.Equal(t, Identify(k1, a, "curl/8"), Identify(k1, a, "curl/8"), "stable")
	assert.NotEqual(t, Identify(k1, a, "curl/8"), Identify(k2, a, "curl/8"), "keyed")
	assert.NotEqual(t, Identify(k1, a, "curl/8"), Identify(k1, a, "curl/9"), "agent matters")
	assert.NotEqual(t, Identify(k1, a, "curl/8"), Identify(k1, netip.MustParseAddr("203.0.113.8"), "curl/8"), "address matters")
	assert.Equal(t, Identify(k1, a, "x"), Identify(k1, netip.MustParseAddr("::ffff:203.0.113.7"), "x"), "mapped IPv4 is the same client")
	id := Identify(k1, a, "curl/8")
	assert.NotContains(t, string(id[:]), "203.0.113.7", "no raw address")
}
