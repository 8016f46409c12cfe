package publish

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errTest = errors.New("corrupt test file")

var kind = Kind{Name: "test file", Magic: "SSTESTFL", Version: 3, MaxPayload: 1 << 20, Corrupt: errTest}

func TestFrameRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("商品"), 100_000)} {
		var b bytes.Buffer
		if _, err := kind.Write(&b, payload); err != nil {
			t.Fatal(err)
		}
		got, err := kind.Read(&b)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(payload))
		}
	}
}

func TestFrameRejects(t *testing.T) {
	var good bytes.Buffer
	kind.Write(&good, []byte("payload"))
	g := good.Bytes()
	flip := func(i int) []byte { b := bytes.Clone(g); b[i] ^= 0xff; return b }
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "header"},
		"magic":     {flip(0), "not a test file"},
		"version":   {flip(8), "format version"},
		"length":    {flip(19), "over the"},
		"truncated": {g[:len(g)-2], "truncated"},
		"checksum":  {flip(len(g) - 1), "checksum"},
	} {
		_, err := kind.Read(bytes.NewReader(c.data))
		if !errors.Is(err, errTest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q wrapping errTest", name, err, c.want)
		}
	}
}

func TestFileReplacesWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model")
	if err := Bytes(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := File(path, func(w io.Writer) error { w.Write([]byte("half")); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("after a failed write: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}
