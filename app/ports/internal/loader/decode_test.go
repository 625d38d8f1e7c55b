package loader

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/ports/internal/port"
)

// collect is a port.Upserter that keeps what it is given, in order.
type collect []port.Port

func (c *collect) Upsert(_ context.Context, p port.Port) error {
	*c = append(*c, p)
	return nil
}

const ajman = `{"name": "Ajman", "city": "Ajman", "country": "United Arab Emirates", "alias": [], "regions": [],
 "coordinates": [55.5136433, 25.4052165], "province": "Ajman", "timezone": "Asia/Dubai", "unlocs": ["AEAJM"], "code": "52000"}`

func TestDecode_ReadsEveryFieldOfARecord(t *testing.T) {
	var got collect
	st, err := Decode(context.Background(), strings.NewReader(`{"AEAJM": `+ajman+"}\n"), &got, nil)
	require.NoError(t, err)
	assert.Equal(t, Stats{Records: 1, Bytes: int64(len(ajman) + 12)}, st)
	assert.Equal(t, collect{{
		Locode: "AEAJM", Name: "Ajman", City: "Ajman", Country: "United Arab Emirates",
		Alias: []string{}, Regions: []string{}, Coordinates: &port.Coordinates{Lon: 55.5136433, Lat: 25.4052165},
		Province: "Ajman", Timezone: "Asia/Dubai", Unlocs: []string{"AEAJM"}, Code: "52000",
	}}, got)
}

func TestDecode_SkipsMalformedRecordsWithKeyAndOffset(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr string
	}{
		{"name of the wrong type", `{"name": 5}`, "name: want string, found a JSON number"},
		{"missing name", `{"city": "Nowhere"}`, "name: missing or empty"},
		{"null record", `null`, "name: missing or empty"},
		{"not an object", `[1, 2]`, "want an object, found a JSON array"},
		{"three coordinates", `{"name": "X", "coordinates": [1, 2, 3]}`, "coordinates: want [lon, lat], got 3 numbers"},
		{"coordinates as strings", `{"name": "X", "coordinates": ["1", "2"]}`, "coordinates: want [lon, lat] numbers"},
		{"latitude out of range", `{"name": "X", "coordinates": [10, 95]}`, "latitude 95 outside"},
		{"alias of the wrong type", `{"name": "X", "alias": "Y"}`, "alias: want []string, found a JSON string"},
	}
	// Read whole, the decoder finds each value's start in its buffer; a
	// byte at a time, it often does not and reads the value aside instead.
	readers := map[string]func(string) io.Reader{
		"buffered":     func(s string) io.Reader { return strings.NewReader(s) },
		"byte by byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, reader := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				prefix := `{"NLRTM": {"name": "Rotterdam"},` + "\n  \"BADXX\":  "
				in := prefix + tt.value + `, "BEANR": {"name": "Antwerp"}}`
				var got collect
				var skipped []*MalformedRecord
				st, err := Decode(context.Background(), reader(in), &got, func(m *MalformedRecord) { skipped = append(skipped, m) })
				require.NoError(t, err)
				assert.Equal(t, 2, st.Records)
				assert.Equal(t, 1, st.Malformed)
				require.Len(t, got, 2)
				assert.Equal(t, "NLRTM", got[0].Locode)
				assert.Equal(t, "BEANR", got[1].Locode)
				require.Len(t, skipped, 1)
				assert.Equal(t, "BADXX", skipped[0].Key)
				assert.Equal(t, int64(len(prefix)), skipped[0].Offset, "offset of the record's value")
				assert.Equal(t, tt.value, in[skipped[0].Offset:skipped[0].Offset+int64(len(tt.value))])
				assert.ErrorContains(t, skipped[0], tt.wantErr)
				assert.Contains(t, skipped[0].Error(), `record "BADXX" at byte `)
			})
		}
	}
}

func TestDecode_BadKeyIsAMalformedRecord(t *testing.T) {
	var got collect
	var skipped []*MalformedRecord
	st, err := Decode(context.Background(), strings.NewReader(`{"rotterdam": {"name": "R"}, "NLRTM": {"name": "R"}}`), &got,
		func(m *MalformedRecord) { skipped = append(skipped, m) })
	require.NoError(t, err)
	assert.Equal(t, 1, st.Records)
	require.Len(t, skipped, 1)
	assert.ErrorContains(t, skipped[0], `key "rotterdam" is not a UN/LOCODE`)
}

func TestDecode_DuplicateKeysAreUpsertedInFileOrder(t *testing.T) {
	var got collect
	_, err := Decode(context.Background(), strings.NewReader(`{"NLRTM": {"name": "old"}, "NLRTM": {"name": "new"}}`), &got, nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "new", got[1].Name)
}

func TestDecode_BrokenStructureStopsTheLoad(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"empty file", ``, "empty file"},
		{"whitespace only", " \n", "empty file"},
		{"an array", `[{"name": "X"}]`, `byte 1: want one JSON object of port records keyed by UN/LOCODE, found "["`},
		{"a string", `"ports"`, `found the string "ports"`},
		{"truncated in a record", `{"NLRTM": {"name": "Rotter`, `reading record "NLRTM": byte 9: unexpected EOF`},
		{"truncated after a record", `{"NLRTM": {"name": "R"}`, "reading the closing brace: byte 23: unexpected EOF"},
		{"truncated after a comma", `{"NLRTM": {"name": "R"},`, "reading a key: byte 24: unexpected EOF"},
		{"bad syntax in a record", `{"NLRTM": {"name" "R"}}`, `reading record "NLRTM": byte 17: invalid character '"' after object key`},
		{"missing comma", `{"NLRTM": {"name": "R"} "BEANR": {}}`, "byte 24: invalid character '\"' after object key:value pair"},
		{"number as key", `{1: {}}`, "reading a key: byte 1: invalid character '1'"},
		{"data after the object", `{"NLRTM": {"name": "R"}} {}`, `byte 24: data after the object of records: "{"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got collect
			_, err := Decode(context.Background(), strings.NewReader(tt.in), &got, nil)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestDecode_StopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got collect
	_, err := Decode(ctx, strings.NewReader(`{"NLRTM": {"name": "R"}}`), &got, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, got)
}
