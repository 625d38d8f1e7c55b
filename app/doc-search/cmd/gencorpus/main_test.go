package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"800MB", 800_000_000},
		{"1.5GB", 1_500_000_000},
		{"20kB", 20_000},
		{"4096", 4096},
		{"12B", 12},
	}
	for _, tt := range tests {
		got, err := parseBytes(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	for _, bad := range []string{"", "MB", "-1MB", "lots"} {
		_, err := parseBytes(bad)
		assert.Error(t, err, bad)
	}
}
