package stack

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryMix_PicksFromPostsByDocumentFrequency(t *testing.T) {
	qs, err := QueryMix("testdata/corpus")
	require.NoError(t, err)
	// "python" is in all three posts, "thank" and "world" in two; the date
	// and the markup are not searchable text.
	require.Len(t, qs, 4)
	assert.Equal(t, []string{"python", "thank", "python+thank", "world"}, qs)
	assert.NotContains(t, qs, "june")
	assert.NotContains(t, qs, "post")
}

func TestQueryMix_ErrorsOnAMissingCorpus(t *testing.T) {
	_, err := QueryMix("testdata/absent")
	assert.ErrorContains(t, err, "testdata/absent")
}
