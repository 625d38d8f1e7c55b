// Package loader reads the ports data file: one JSON object keyed by
// UN/LOCODE. It decodes the file as a stream, one record at a time, so a
// file larger than memory loads in the memory of its largest record.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/doc-search/gitops/app/ports/internal/port"
)

// MalformedRecord is a record that was read whole but is not a valid port:
// it is skipped and the load goes on.
type MalformedRecord struct {
	Key    string
	Offset int64 // byte offset of the record's value in the file
	Err    error
}

func (m *MalformedRecord) Error() string {
	return fmt.Sprintf("record %q at byte %d: %v", m.Key, m.Offset, m.Err)
}

func (m *MalformedRecord) Unwrap() error { return m.Err }

// Stats counts what a decode read.
type Stats struct {
	Records   int   // valid records upserted, duplicates included
	Malformed int   // records skipped
	Bytes     int64 // bytes read from the file: its size after a complete decode
}

// checkEvery is how many records pass between looks at the context.
const checkEvery = 1024

// Decode reads the object in r key by key and upserts every valid record
// into u as soon as it is read. A malformed record goes to skip and the
// decode continues; a file that is not one JSON object of records (bad
// syntax, a truncated file, data after the object) stops it with an error
// naming the byte offset. skip may be nil.
func Decode(ctx context.Context, r io.Reader, u port.Upserter, skip func(*MalformedRecord)) (st Stats, err error) {
	cr := &countingReader{r: r}
	defer func() { st.Bytes = cr.n }()
	dec := json.NewDecoder(cr)
	fail := func(what string, err error) (Stats, error) {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return st, fmt.Errorf("%s: byte %d: %w", what, syn.Offset, err)
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return st, fmt.Errorf("%s: byte %d: %w", what, dec.InputOffset(), err)
	}

	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return st, errors.New("empty file: want one JSON object of port records keyed by UN/LOCODE")
	}
	if err != nil {
		return fail("reading the opening brace", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return st, fmt.Errorf("byte %d: want one JSON object of port records keyed by UN/LOCODE, found %v", dec.InputOffset(), describe(tok))
	}
	var raw json.RawMessage
	for n := 0; dec.More(); n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		tok, err := dec.Token()
		if err != nil {
			return fail("reading a key", err)
		}
		key := tok.(string) // inside an object, the decoder yields keys as strings or fails
		var p port.Port
		var offset int64
		if n, ok := valueStart(dec.Buffered()); ok {
			// The common case: decode straight into the record, one pass.
			offset = dec.InputOffset() + n
			err = dec.Decode(&p)
			if _, typeErr := err.(*json.UnmarshalTypeError); err != nil && !typeErr && !isValueError(err) {
				return fail(fmt.Sprintf("reading record %q", key), err)
			}
			if err == nil {
				p.Locode = key
				err = p.Validate()
			} else {
				err = describeDecodeError(err)
			}
		} else {
			// The value's start is past the decoder's buffer: read it whole
			// to learn where it began. Rare: the buffer ends within a few
			// bytes after a key.
			raw = raw[:0]
			if err := dec.Decode(&raw); err != nil {
				return fail(fmt.Sprintf("reading record %q", key), err)
			}
			offset = dec.InputOffset() - int64(len(raw))
			p, err = parse(key, raw)
		}
		if err != nil {
			st.Malformed++
			if skip != nil {
				skip(&MalformedRecord{Key: key, Offset: offset, Err: err})
			}
			continue
		}
		if err := u.Upsert(ctx, p); err != nil {
			return st, fmt.Errorf("storing record %q at byte %d: %w", key, offset, err)
		}
		st.Records++
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fail("reading the closing brace", err)
	}
	end := dec.InputOffset()
	if tok, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return fail("after the closing brace", err)
		}
		return st, fmt.Errorf("byte %d: data after the object of records: %v", end, describe(tok))
	}
	return st, nil
}

// countingReader counts the bytes read from the file, for Stats.Bytes.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// parse turns one record's JSON into a valid port keyed by key.
func parse(key string, raw json.RawMessage) (port.Port, error) {
	var p port.Port
	if err := json.Unmarshal(raw, &p); err != nil {
		return port.Port{}, describeDecodeError(err)
	}
	p.Locode = key
	return p, p.Validate()
}

// valueStart counts the bytes between the end of a key and its value (the
// colon and any white space), when the decoder's buffer holds them.
func valueStart(buffered io.Reader) (int64, bool) {
	var b [64]byte
	n, _ := io.ReadFull(buffered, b[:])
	colon := false
	for i, c := range b[:n] {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == ':' && !colon:
			colon = true
		case colon:
			return int64(i), true
		default:
			return 0, false // not JSON: the decode reports it
		}
	}
	return 0, false
}

// isValueError reports an error a record's value caused while the stream
// stays intact: an UnmarshalJSON method's (Coordinates').
func isValueError(err error) bool {
	var syn *json.SyntaxError
	return !errors.As(err, &syn) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// describeDecodeError names the field a record's value got wrong.
func describeDecodeError(err error) error {
	// Only the decoder's own type errors: Coordinates.UnmarshalJSON wraps
	// one of its own that names the field already.
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		if te.Field == "" {
			return fmt.Errorf("want an object, found a JSON %s", te.Value)
		}
		return fmt.Errorf("%s: want %s, found a JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}

func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(t))
	case string:
		return fmt.Sprintf("the string %q", t)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", t)
	}
}
