// Package gen writes synthetic ports data files of any size, the same for
// the same options: realistic values with the irregularities of the real
// file (optional fields missing or null, empty lists, unicode and escaped
// names, a key seen again later in the file, where the last record wins),
// for tests and benchmarks.
package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Options say what to write.
type Options struct {
	Size int64 // write records until the file holds at least this many bytes (at least one record)
	// Keys is the number of distinct UN/LOCODEs; once every key has been
	// written, keys repeat with new values. At most MaxKeys.
	Keys int
	Seed uint64
	// MalformedEvery makes every n-th record malformed (0: none), with a
	// value of the wrong type or out of range, for tests of skipping.
	MalformedEvery int
}

// Stats say what was written.
type Stats struct {
	Records   int // records written, duplicates and malformed included
	Malformed int
	Bytes     int64
}

type country struct{ code, name, timezone string }

var countries = []country{
	{"AE", "United Arab Emirates", "Asia/Dubai"}, {"BE", "Belgium", "Europe/Brussels"},
	{"BR", "Brazil", "America/Sao_Paulo"}, {"CN", "China", "Asia/Shanghai"},
	{"DE", "Germany", "Europe/Berlin"}, {"ES", "Spain", "Europe/Madrid"},
	{"FR", "France", "Europe/Paris"}, {"GB", "United Kingdom", "Europe/London"},
	{"GR", "Greece", "Europe/Athens"}, {"IN", "India", "Asia/Kolkata"},
	{"JP", "Japan", "Asia/Tokyo"}, {"KR", "Korea, Republic of", "Asia/Seoul"},
	{"MD", "Moldova, Republic of", "Europe/Chisinau"}, {"NL", "Netherlands", "Europe/Amsterdam"},
	{"NO", "Norway", "Europe/Oslo"}, {"PL", "Poland", "Europe/Warsaw"},
	{"RU", "Russian Federation", "Europe/Moscow"}, {"SE", "Sweden", "Europe/Stockholm"},
	{"TR", "Turkey", "Europe/Istanbul"}, {"US", "United States", "America/New_York"},
	{"VN", "Viet Nam", "Asia/Ho_Chi_Minh"}, {"ZA", "South Africa", "Africa/Johannesburg"},
}

// Names the real file holds beside plain ASCII ones: accents, other
// scripts, characters JSON escapes.
var unicodeNames = []string{
	"São Sebastião", "Chişinău", "Ålesund", "Gdańsk", "İzmit", "Thessaloníki", "Москва", "東京",
	"부산", "Hải Phòng", "Zürich \"Hafen\"", "Port\\Louis", "Tab\there", "Köln/Bonn", "Ελευσίνα",
}

var syllables = []string{"ra", "mo", "ka", "li", "po", "an", "ter", "sa", "vik", "dam", "burg", "ton", "ria", "no", "sund", "hai"}

const locodeChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789"

// MaxKeys is how many distinct codes Write can make.
var MaxKeys = len(countries) * len(locodeChars) * len(locodeChars) * len(locodeChars)

// Locode is the i-th generated code: distinct for i < MaxKeys.
func Locode(i int) string {
	c := countries[i%len(countries)]
	n := i / len(countries)
	b := []byte(c.code + "AAA")
	for j := 4; j >= 2; j-- {
		b[j] = locodeChars[n%len(locodeChars)]
		n /= len(locodeChars)
	}
	return string(b)
}

// Write writes one data file to w.
func Write(w io.Writer, o Options) (Stats, error) {
	if o.Keys < 1 || o.Keys > MaxKeys {
		return Stats{}, fmt.Errorf("keys %d: want 1 to %d", o.Keys, MaxKeys)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x706f727473))
	order := rng.Perm(o.Keys) // keys come in a scrambled order, as in a real export
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := &countWriter{w: bw}
	var st Stats
	buf := []byte("{\n")
	for st.Records == 0 || cw.n+int64(len(buf)) < o.Size {
		if st.Records > 0 {
			buf = append(buf, ",\n"...)
		}
		malformed := o.MalformedEvery > 0 && (st.Records+1)%o.MalformedEvery == 0
		buf = appendRecord(buf, rng, order[st.Records%o.Keys], malformed)
		st.Records++
		if malformed {
			st.Malformed++
		}
		if len(buf) >= 64<<10 {
			if _, err := cw.Write(buf); err != nil {
				return st, err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "\n}\n"...)
	if _, err := cw.Write(buf); err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.Bytes = cw.n
	return st, nil
}

// appendRecord appends `"KEY": {...}` laid out as the real file is: two
// spaces of indent, one field a line.
func appendRecord(b []byte, rng *rand.Rand, key int, malformed bool) []byte {
	code := Locode(key)
	c := countries[key%len(countries)]
	name := ""
	if rng.IntN(8) == 0 {
		name = unicodeNames[rng.IntN(len(unicodeNames))]
	} else {
		for n := 2 + rng.IntN(2); n > 0; n-- {
			name += syllables[rng.IntN(len(syllables))]
		}
		name = string(name[0]-'a'+'A') + name[1:]
	}
	b = append(b, "  "...)
	b = appendString(b, code)
	b = append(b, ": {\n    \"name\": "...)
	if malformed && rng.IntN(2) == 0 {
		b = strconv.AppendInt(b, int64(key), 10) // a name of the wrong type
	} else {
		b = appendString(b, name)
	}
	field := func(k string) { b = append(b, ",\n    \""...); b = append(b, k...); b = append(b, "\": "...) }
	optional := func(k, v string) { // missing, null or empty now and then, as in the real file
		switch rng.IntN(20) {
		case 0:
			return
		case 1:
			field(k)
			b = append(b, "null"...)
		default:
			field(k)
			b = appendString(b, v)
		}
	}
	list := func(k string, vs ...string) {
		if rng.IntN(10) == 0 {
			return
		}
		field(k)
		b = append(b, '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	optional("city", name)
	field("country")
	b = appendString(b, c.name)
	if rng.IntN(4) == 0 {
		list("alias", name+" Port")
	} else {
		list("alias")
	}
	list("regions")
	switch {
	case malformed:
		field("coordinates")
		b = append(b, "[12.5, 95.25, 3]"...) // three numbers, latitude out of range
	case rng.IntN(15) != 0: // the real file lacks coordinates for some ports
		field("coordinates")
		b = append(b, '[')
		b = strconv.AppendFloat(b, rng.Float64()*360-180, 'f', 7, 64)
		b = append(b, ", "...)
		b = strconv.AppendFloat(b, rng.Float64()*180-90, 'f', 7, 64)
		b = append(b, ']')
	}
	optional("province", name)
	optional("timezone", c.timezone)
	list("unlocs", code)
	optional("code", strconv.Itoa(10000+rng.IntN(90000)))
	return append(b, "\n  }"...)
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
