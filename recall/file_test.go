package recall

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	m := build(t, toy(), map[string]string{"a": "c1", "b": "c1"}, nil)
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(path); err != nil { // over an existing file
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range [][]string{{"a"}, {"a", "b"}, {"z"}} {
		if a, b := fmt.Sprint(m.NextInSession(q, 5, nil)), fmt.Sprint(got.NextInSession(q, 5, nil)); a != b {
			t.Errorf("%v: loaded model says %s, built one %s", q, b, a)
		}
	}
	if a, b := fmt.Sprint(m.Hot("c1", 5, nil)), fmt.Sprint(got.Hot("c1", 5, nil)); a != b {
		t.Errorf("hot c1: %s vs %s", a, b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestLoadRejectsCorrupt(t *testing.T) {
	var buf bytes.Buffer
	if _, err := build(t, toy(), nil, nil).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "header", nil},
		{"magic", "not a recall model", mutate(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version", "format version 9", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 9); return b })},
		{"truncated", "truncated", good[:len(good)-10]},
		{"flipped byte", "checksum", mutate(func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b })},
		{"huge length", "cap", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[12:], 1<<40); return b })},
	}
	for _, tc := range tests {
		_, err := ReadModel(bytes.NewReader(tc.data))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrCorrupt mentioning %q", tc.name, err, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "bad.bin")
	os.WriteFile(path, []byte("hello"), 0o644)
	if _, err := Load(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of a bad file: got %v, want ErrCorrupt naming the path", err)
	}
}
