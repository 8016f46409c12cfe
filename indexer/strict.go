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

// CheckJSON returns an EINVALID error when data — JSON that json.Valid
// accepts (other input ends the scan early, never in a panic) — holds invalid UTF-8 in a string or a name twice in one object
// (at any depth), naming the top-level member it is in. The admin API's
// documents are held to it as well as products and patches.
func CheckJSON(data []byte) error {
	if utf8.Valid(data) && bytes.IndexByte(data, '"') < 0 {
		return nil
	}
	sc := dupScanner{data: data}
	sc.value()
	switch {
	case sc.badName:
		return models.Errorf(models.EINVALID, "invalid UTF-8 in a field name")
	case sc.badUTF8 && sc.field != "":
		return fieldErr(sc.field, "invalid UTF-8")
	case sc.badUTF8:
		return models.Errorf(models.EINVALID, "invalid UTF-8")
	case sc.dup == "":
		return nil
	case sc.field == "" || sc.field == sc.dup && sc.depth1Dup:
		return models.Errorf(models.EINVALID, "duplicate field %q", models.Clip(sc.dup))
	}
	return fieldErr(sc.field, "duplicate key %q", models.Clip(sc.dup))
}

// dupScanner walks valid JSON looking for a name repeated within one
// object; field is the top-level member it was found under.
type dupScanner struct {
	data      []byte
	i         int
	depth     int
	field     string // the top-level member being scanned
	dup       string // the repeated name, once found
	depth1Dup bool   // dup is a top-level name
	badUTF8   bool   // a string (or name) is not valid UTF-8
	badName   bool   // … and it is a name
}

func (s *dupScanner) stop() bool { return s.dup != "" || s.badUTF8 }

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
	if s.i >= len(s.data) || s.stop() {
		return
	}
	switch s.data[s.i] {
	case '{':
		s.object()
	case '[':
		s.i++
		for !s.stop() {
			s.ws()
			if s.i >= len(s.data) || s.data[s.i] == ']' {
				s.i++
				return
			}
			at := s.i
			s.value()
			s.ws()
			if s.i < len(s.data) && s.data[s.i] == ',' || s.i == at {
				s.i++ // past the comma, or past a byte valid JSON cannot hold here
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
	for !s.stop() {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] == '}' {
			s.i++
			return
		}
		name := s.str()
		if s.badUTF8 {
			s.badName = true
			return
		}
		for _, n := range names {
			if n == name {
				s.dup, s.depth1Dup = name, s.depth == 1
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
			if !utf8.Valid(raw) {
				s.badUTF8 = true
				return ""
			}
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
