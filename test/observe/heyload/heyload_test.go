package heyload

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCSV_ReadsLatencyAndStatus(t *testing.T) {
	in := "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n" +
		"0.0135,0.0010,0.0000,0.0003,0.0115,0.0005,200,0.0005\n" +
		"0.0007,0.0000,0.0000,0.0000,0.0006,0.0000,503,0.0140\n"
	recs, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []Record{
		{Latency: 13500 * time.Microsecond, Wait: 11500 * time.Microsecond, Status: 200},
		{Latency: 700 * time.Microsecond, Wait: 600 * time.Microsecond, Status: 503},
	}, recs)
}

func TestParseCSV_RejectsBadInput(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty", "", "no header"},
		{"missing columns", "a,b\n1,2\n", "lacks response-time"},
		{"bad latency", "response-time,Response-delay,status-code\nfast,0.1,200\n", `line 2: response-time "fast"`},
		{"bad wait", "response-time,Response-delay,status-code\n0.1,slow,200\n", `line 2: Response-delay "slow"`},
		{"bad status", "response-time,Response-delay,status-code\n0.1,0.1,ok\n", `line 2: status-code "ok"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestQuantile_MatchesHeySummaryRule(t *testing.T) {
	// hey picks, for percentile p, the first sorted sample i with i*100/n >= p.
	var r Result
	for i := 1; i <= 1000; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 501 * time.Millisecond},
		{0.9, 901 * time.Millisecond},
		{0.99, 991 * time.Millisecond},
		{1, 1000 * time.Millisecond},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.Quantile(tt.q), "q=%v", tt.q)
	}
	assert.Zero(t, Result{}.Quantile(0.5), "no samples, no quantile")
}

func TestResult_LessShiftsEveryTimeAndStopsAtZero(t *testing.T) {
	r := Result{
		Latencies: []time.Duration{100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond},
		Waits:     []time.Duration{50 * time.Microsecond, 250 * time.Microsecond, 900 * time.Microsecond},
	}
	got := r.Less(200 * time.Microsecond)
	assert.Equal(t, []time.Duration{0, 100 * time.Microsecond, 800 * time.Microsecond}, got.Latencies)
	assert.Equal(t, []time.Duration{0, 50 * time.Microsecond, 700 * time.Microsecond}, got.Waits)
	assert.Equal(t, 100*time.Microsecond, r.Latencies[0], "the original result is unchanged")
	assert.Equal(t, 700*time.Microsecond, got.WaitQuantile(1))
}
