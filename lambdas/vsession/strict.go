package vsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// object is one JSON object's members, each value still raw. It is built
// by decodeObject, which refuses anything but exactly one object with
// unique member names.
type object map[string]json.RawMessage

var errDuplicate = errors.New("duplicate member")

// decodeObject parses body strictly: exactly one JSON object, member names
// unique (a repeated "match_result" must not let the last one win), and
// nothing after it but white space.
func decodeObject(body []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	obj := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("member name expected")
		}
		if _, seen := obj[key]; seen {
			return nil, fmt.Errorf("%w %q", errDuplicate, key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		obj[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errors.New("unterminated object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return obj, nil
}

// present reports whether the member exists and is not null.
func (o object) present(key string) bool {
	v, ok := o[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str returns a string member; absent, null or "" is "" (and an error
// when required); any other JSON type is an error.
func (o object) str(key string, required bool) (string, error) {
	var s string
	if o.present(key) {
		if err := json.Unmarshal(o[key], &s); err != nil {
			return "", fmt.Errorf("%s is not a string", key)
		}
	}
	if s == "" && required {
		return "", fmt.Errorf("%s missing", key)
	}
	return s, nil
}

// boolean returns a JSON boolean member; a string "true" or a number is an
// error, never true.
func (o object) boolean(key string, required bool) (bool, error) {
	if !o.present(key) {
		if required {
			return false, fmt.Errorf("%s missing", key)
		}
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(o[key], &b); err != nil {
		return false, fmt.Errorf("%s is not a boolean", key)
	}
	return b, nil
}

// timestamp returns an RFC 3339 string member as UTC; zero when absent.
func (o object) timestamp(key string, required bool) (time.Time, error) {
	s, err := o.str(key, required)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", key)
	}
	return t.UTC(), nil
}

// readCapped reads at most limit bytes of r and reports a longer body as
// an error instead of truncating it.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: answer larger than %d bytes", ErrMalformed, limit)
	}
	return b, nil
}
