package indexer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// Strict input. encoding/json is lenient where a catalog must not be: it
// turns invalid UTF-8 into U+FFFD without a word, keeps the last of two
// members with the same name, and decodes \u0000 into a NUL that then
// reaches the index. decodeObject refuses the first two, naming the
// field; checkText the third. (encoding/json/v2 rejects duplicate names
// and invalid UTF-8, but is not a stable part of the standard library at
// the module's Go version, so this file does the checks itself.)

// checkRawObject returns an EINVALID error naming the field when data —
// a JSON object that json.Unmarshal accepted — holds invalid UTF-8 or a
// name twice in one object (at any depth).
func checkRawObject(data []byte, fields map[string]json.RawMessage) error {
	if !utf8.Valid(data) {
		for _, k := range sortedKeys(fields) {
			if !utf8.Valid(fields[k]) {
				return fieldErr(k, "invalid UTF-8")
			}
		}
		return models.Errorf(models.EINVALID, "invalid UTF-8 in a field name")
	}
	if bytes.IndexByte(data, '"') < 0 {
		return nil
	}
	sc := dupScanner{data: data}
	sc.value()
	if sc.dup != "" {
		if sc.field == "" || sc.field == sc.dup {
			return models.Errorf(models.EINVALID, "duplicate field %q", clip(sc.dup))
		}
		return fieldErr(sc.field, "duplicate key %q", clip(sc.dup))
	}
	return nil
}

// dupScanner walks valid JSON looking for a name repeated within one
// object; field is the top-level member it was found under.
type dupScanner struct {
	data  []byte
	i     int
	depth int
	field string // the top-level member being scanned
	dup   string // the repeated name, once found
}

func (s *dupScanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// value skips one value, checking the objects in it.
func (s *dupScanner) value() {
	s.ws()
	if s.i >= len(s.data) || s.dup != "" {
		return
	}
	switch s.data[s.i] {
	case '{':
		s.object()
	case '[':
		s.i++
		for s.dup == "" {
			s.ws()
			if s.i >= len(s.data) || s.data[s.i] == ']' {
				s.i++
				return
			}
			s.value()
			s.ws()
			if s.i < len(s.data) && s.data[s.i] == ',' {
				s.i++
			}
		}
	case '"':
		s.str()
	default:
		for s.i < len(s.data) && !strings.ContainsRune(",]} \t\r\n", rune(s.data[s.i])) {
			s.i++
		}
	}
}

func (s *dupScanner) object() {
	s.i++ // {
	s.depth++
	defer func() { s.depth-- }()
	var names []string
	for s.dup == "" {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] == '}' {
			s.i++
			return
		}
		name := s.str()
		for _, n := range names {
			if n == name {
				s.dup = name
				return
			}
		}
		names = append(names, name)
		if s.depth == 1 {
			s.field = name
		}
		s.ws()
		s.i++ // :
		s.value()
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == ',' {
			s.i++
		}
	}
}

// str reads a string at s.i and returns its value (decoded only when it
// holds an escape, which is rare in names).
func (s *dupScanner) str() string {
	start := s.i
	s.i++ // opening quote
	escaped := false
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			raw := s.data[start:s.i]
			if !escaped {
				return string(raw[1 : len(raw)-1])
			}
			var v string
			json.Unmarshal(raw, &v)
			return v
		}
		s.i++
	}
	return ""
}

// checkText rejects the C0 control characters (U+0000–U+001F: NUL, bell,
// escape…) in a text field, but tab, and newline and carriage return
// when text is true (a quoted CSV cell may hold lines; not so keys and
// region codes). DEL and the C1 controls pass: real catalogs have them
// (the shared titles hold U+007F), and the analyzer drops them. Invalid
// UTF-8 is the callers' check.
func checkText(name, s string, text bool) error {
	i := strings.IndexFunc(s, func(r rune) bool {
		if r == '\t' || text && (r == '\n' || r == '\r') {
			return false
		}
		return r < 0x20
	})
	if i < 0 {
		return nil
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return fieldErr(name, "control character U+%04X at byte %d", r, i)
}

// requireStringID rejects an id given as anything but a JSON string (the
// API's rule; a catalog file may give a number, kept as written).
func requireStringID(fields map[string]json.RawMessage) error {
	raw := bytes.TrimSpace(fields["id"])
	if len(raw) == 0 || raw[0] == '"' {
		return nil
	}
	return fmt.Errorf("%w", wrongType("id", "a string", raw))
}
