package imagetag

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse_AcceptsVersionAndBuildNumber(t *testing.T) {
	tests := []struct {
		in      string
		version string
		build   uint64
	}{
		{"1.4.0-build.57", "1.4.0", 57},
		{"0.1.0-build.0", "0.1.0", 0},
		{"2.0.0-rc.1-build.3", "2.0.0-rc.1", 3},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			tag, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.version, tag.Version.String())
			assert.Equal(t, tt.build, tag.Build)
			assert.Equal(t, tt.in, tag.String())
		})
	}
}

func TestParse_RejectsTagsWithoutBuildOrWithMetadata(t *testing.T) {
	for _, in := range []string{"", "latest", "1.4.0", "1.4.0-build.", "1.4.0-build.x", "1.4.0-build.07", "v1.4.0-build.1", "1.4-build.1", "1.4.0+meta-build.1"} {
		t.Run(in, func(t *testing.T) {
			_, err := Parse(in)
			assert.Error(t, err)
		})
	}
}

func TestCompare_VersionFirstThenBuildNumber(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.4.0-build.9", "1.4.0-build.10", -1},
		{"1.4.0-build.10", "1.4.0-build.9", 1},
		{"1.4.0-build.57", "1.4.0-build.57", 0},
		{"1.4.0-build.99", "1.5.0-build.1", -1},
		{"1.10.0-build.1", "1.9.0-build.500", 1},
		{"2.0.0-rc.1-build.50", "2.0.0-build.1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, err := Parse(tt.a)
			require.NoError(t, err)
			b, err := Parse(tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, a.Compare(b))
		})
	}
}

func TestNew_RejectsNonSemverVersion(t *testing.T) {
	_, err := New("1.0", 3)
	assert.ErrorContains(t, err, `"1.0"`)
	tag, err := New("1.0.0", 3)
	require.NoError(t, err)
	assert.Equal(t, "1.0.0-build.3", tag.String())
}
