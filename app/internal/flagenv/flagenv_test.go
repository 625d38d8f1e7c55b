package flagenv

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type settings struct {
	addr  string
	db    string
	wait  time.Duration
	conns int
}

func parse(t *testing.T, args []string, env map[string]string) (settings, error) {
	t.Helper()
	var s settings
	fs := New("svc", "SVC_", io.Discard)
	fs.String(&s.addr, "metrics-addr", ":8000", "metrics")
	fs.StringEnv(&s.db, "database-url", "DATABASE_URL", "", "database")
	fs.Duration(&s.wait, "query-timeout", time.Second, "timeout")
	fs.Int(&s.conns, "max-conns", 4, "pool size")
	err := fs.Parse(args, func(k string) string { return env[k] })
	return s, err
}

func TestParse_FlagBeatsVariableBeatsDefault(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want settings
	}{
		{"defaults", nil, nil, settings{":8000", "", time.Second, 4}},
		{"variables, derived and explicit names", nil,
			map[string]string{"SVC_METRICS_ADDR": ":9", "DATABASE_URL": "postgres://x", "SVC_QUERY_TIMEOUT": "3s", "SVC_MAX_CONNS": "8"},
			settings{":9", "postgres://x", 3 * time.Second, 8}},
		{"flag wins", []string{"--max-conns", "2", "--metrics-addr=:7"},
			map[string]string{"SVC_METRICS_ADDR": ":9", "SVC_MAX_CONNS": "8"},
			settings{":7", "", time.Second, 2}},
		{"empty variable is unset", nil, map[string]string{"SVC_MAX_CONNS": ""}, settings{":8000", "", time.Second, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, tt.args, tt.env)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParse_BadValueNamesItsSource(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"variable", nil, map[string]string{"SVC_MAX_CONNS": "many"}, `environment variable SVC_MAX_CONNS="many": want an integer`},
		{"variable duration", nil, map[string]string{"SVC_QUERY_TIMEOUT": "5"}, `environment variable SVC_QUERY_TIMEOUT="5": want a duration`},
		{"flag", []string{"--query-timeout", "soon"}, nil, `invalid value "soon" for flag -query-timeout`},
		{"argument", []string{"extra"}, nil, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.args, tt.env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestUsage_NamesEveryVariable(t *testing.T) {
	var out stringWriter
	fs := New("svc", "SVC_", &out)
	var a string
	var d time.Duration
	fs.String(&a, "addr", ":8080", "API address")
	fs.Duration(&d, "drain-delay", 0, "drain")
	fs.PrintDefaults()
	assert.Contains(t, string(out), "(env SVC_ADDR)")
	assert.Contains(t, string(out), "(env SVC_DRAIN_DELAY)")
	assert.Contains(t, string(out), `(default ":8080")`)
}

type stringWriter []byte

func (w *stringWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
