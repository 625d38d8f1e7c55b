package quantile

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

var bounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01}

func TestBucketOf_UpperBoundIsInclusive(t *testing.T) {
	tests := []struct {
		v            float64
		lower, upper float64
	}{
		{0.00005, 0, 0.0001},
		{0.0001, 0, 0.0001},
		{0.0003, 0.00025, 0.0005},
		{0.001, 0.0005, 0.001},
		{0.02, 0.01, math.Inf(1)},
	}
	for _, tt := range tests {
		b := BucketOf(bounds, tt.v)
		assert.Equal(t, tt.lower, b.Lower, "v=%v", tt.v)
		assert.Equal(t, tt.upper, b.Upper, "v=%v", tt.v)
	}
}

func TestCompare_AgreesWithinOneBucket(t *testing.T) {
	tests := []struct {
		name           string
		server, client float64
		want           bool
	}{
		{"same bucket", 0.0007, 0.0009, true},
		{"client one bucket slower", 0.0009, 0.0012, true},
		{"client one bucket faster", 0.0012, 0.0009, true},
		{"two buckets apart", 0.0004, 0.0012, false},
		{"server has no estimate", math.NaN(), 0.0009, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Compare(bounds, 0.5, tt.server, tt.client, tt.client).Agree)
		})
	}
}

func TestCompare_ServerNeverInAHigherBucketThanClientTotal(t *testing.T) {
	tests := []struct {
		name          string
		server, total float64
		want          bool
	}{
		{"server faster", 0.0003, 0.002, true},
		{"same bucket", 0.0009, 0.0008, true},
		{"hey rounded down across a boundary", 0.00098, 0.00096, true},
		{"server a bucket slower", 0.0012, 0.0008, false},
		{"server has no estimate", math.NaN(), 0.0009, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Compare(bounds, 0.5, tt.server, tt.total, tt.total).NotSlower)
		})
	}
}
