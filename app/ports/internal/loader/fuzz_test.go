package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// FuzzDecode checks the decoder against encoding/json's own verdict: a
// file decodes without error exactly when it is valid JSON whose top level
// is an object, and every record it stores is a valid port.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"NLRTM": {"name": "Rotterdam", "coordinates": [4.4, 51.9]}}`,
		`{"AEAJM": ` + ajman + `, "BADXX": {"name": 1}}`,
		`{}`, `[]`, `{"NLRTM": null}`, `{"NLRTM": {"name": "R"}} {}`, `{"NLRTM": {"name": "R"`,
		`{"NLRTM": {"name": "R", "coordinates": [1e999, 0]}}`, `{"NLRTM":{"name":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var got collect
		st, err := Decode(context.Background(), bytes.NewReader(in), &got, func(m *MalformedRecord) {
			require.GreaterOrEqual(t, m.Offset, int64(0))
			require.LessOrEqual(t, m.Offset, int64(len(in)))
		})
		trimmed := bytes.TrimLeft(in, " \t\r\n")
		wantOK := json.Valid(in) && len(trimmed) > 0 && trimmed[0] == '{'
		if wantOK {
			require.NoError(t, err)
			require.Equal(t, int64(len(in)), st.Bytes)
		} else {
			require.Error(t, err)
		}
		require.Len(t, got, st.Records)
		for _, p := range got {
			require.NoError(t, p.Validate())
		}

		// A byte at a time takes the other path to each value: same verdict,
		// same records, same offsets.
		var got1 collect
		var offsets, offsets1 []int64
		_, err = Decode(context.Background(), bytes.NewReader(in), &collect{}, func(m *MalformedRecord) { offsets = append(offsets, m.Offset) })
		_, err1 := Decode(context.Background(), iotest.OneByteReader(bytes.NewReader(in)), &got1, func(m *MalformedRecord) { offsets1 = append(offsets1, m.Offset) })
		require.Equal(t, err == nil, err1 == nil, "%v / %v", err, err1)
		require.Equal(t, got, got1)
		require.Equal(t, offsets, offsets1)
	})
}
