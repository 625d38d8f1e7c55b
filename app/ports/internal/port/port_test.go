package port

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidCode(t *testing.T) {
	for code, want := range map[string]bool{
		"AEAJM": true, "NLRTM": true, "US2NY": true, "GBLON": true,
		"": false, "aeajm": false, "AEAJ": false, "AEAJMX": false,
		"1EAJM": false, "AE1JM": false, "AE0JM": false, "AÉAJM": false,
	} {
		assert.Equal(t, want, ValidCode(code), code)
	}
}

func TestPort_Validate(t *testing.T) {
	good := Port{Locode: "NLRTM", Name: "Rotterdam", Coordinates: &Coordinates{Lon: 4.4, Lat: 51.9}}
	tests := []struct {
		name    string
		edit    func(*Port)
		wantErr string
	}{
		{"complete record", func(*Port) {}, ""},
		{"no coordinates is fine", func(p *Port) { p.Coordinates = nil }, ""},
		{"bad code", func(p *Port) { p.Locode = "rtm" }, `key "rtm" is not a UN/LOCODE`},
		{"missing name", func(p *Port) { p.Name = "" }, "name: missing or empty"},
		{"longitude out of range", func(p *Port) { p.Coordinates.Lon = 181 }, "longitude 181 outside"},
		{"latitude out of range", func(p *Port) { p.Coordinates.Lat = -90.5 }, "latitude -90.5 outside"},
		{"NaN latitude", func(p *Port) { p.Coordinates.Lat = math.NaN() }, "latitude NaN outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			c := *good.Coordinates
			p.Coordinates = &c
			tt.edit(&p)
			err := p.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
