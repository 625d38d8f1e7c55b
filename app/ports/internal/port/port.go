// Package port is the ports service's domain: a port record, the rules a
// valid one follows, and the interfaces its store adapters implement. It
// knows nothing of HTTP, JSON files or where records are kept.
package port

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Port is one port, keyed by its UN/LOCODE.
type Port struct {
	Locode      string       `json:"locode"` // the UN/LOCODE the record is keyed by
	Name        string       `json:"name"`
	City        string       `json:"city,omitempty"`
	Country     string       `json:"country,omitempty"`
	Alias       []string     `json:"alias,omitempty"`
	Regions     []string     `json:"regions,omitempty"`
	Coordinates *Coordinates `json:"coordinates,omitempty"`
	Province    string       `json:"province,omitempty"`
	Timezone    string       `json:"timezone,omitempty"`
	Unlocs      []string     `json:"unlocs,omitempty"`
	Code        string       `json:"code,omitempty"` // the port's own code in the source data, not the UN/LOCODE
}

// Coordinates is a position in degrees.
type Coordinates struct {
	Lon float64
	Lat float64
}

// ErrNotFound is returned by Store.Get for a code no record holds.
var ErrNotFound = errors.New("port not found")

// ValidCode reports whether code is a UN/LOCODE: two letters of the country,
// then three letters or digits 2-9 for the location.
func ValidCode(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i := range 5 {
		c := code[i]
		switch {
		case c >= 'A' && c <= 'Z':
		case i >= 2 && c >= '2' && c <= '9':
		default:
			return false
		}
	}
	return true
}

// Validate says what makes p unfit to store, naming the field.
func (p Port) Validate() error {
	if !ValidCode(p.Locode) {
		return fmt.Errorf("key %q is not a UN/LOCODE (two letters, then three letters or digits 2-9)", p.Locode)
	}
	if p.Name == "" {
		return errors.New("name: missing or empty")
	}
	if c := p.Coordinates; c != nil {
		if math.IsNaN(c.Lon) || c.Lon < -180 || c.Lon > 180 {
			return fmt.Errorf("coordinates: longitude %v outside [-180, 180]", c.Lon)
		}
		if math.IsNaN(c.Lat) || c.Lat < -90 || c.Lat > 90 {
			return fmt.Errorf("coordinates: latitude %v outside [-90, 90]", c.Lat)
		}
	}
	return nil
}

// Query selects a page of ports in code order.
type Query struct {
	Country string // exact country name; "" for every country
	After   string // the page starts after this code; "" from the first
	Limit   int    // most ports on the page, at least 1
}

// Page is one page of a listing.
type Page struct {
	Ports []Port
	Next  string // the After of the next page; "" on the last page
}

// Store reads ports. Adapters implement it (memory now); callers depend on
// this interface alone.
type Store interface {
	Get(ctx context.Context, code string) (Port, error)
	List(ctx context.Context, q Query) (Page, error)
}

// Upserter takes records as a load reads them: a later record with the same
// code replaces the earlier one.
type Upserter interface {
	Upsert(ctx context.Context, p Port) error
}

// Replacer swaps the whole data set at once: fill writes a new generation,
// and readers see it only if fill returns nil, all at once. Until then, and
// if fill fails, they keep the previous one.
type Replacer interface {
	Replace(ctx context.Context, fill func(Upserter) error) error
}

// MarshalJSON writes c as the data file holds it: [lon, lat].
func (c Coordinates) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]float64{c.Lon, c.Lat})
}

// UnmarshalJSON reads [lon, lat]: exactly two numbers.
func (c *Coordinates) UnmarshalJSON(b []byte) error {
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("coordinates: want [lon, lat] numbers: %w", err)
	}
	if len(v) != 2 {
		return fmt.Errorf("coordinates: want [lon, lat], got %d numbers", len(v))
	}
	c.Lon, c.Lat = v[0], v[1]
	return nil
}
