package store

import (
	"path/filepath"
	"testing"

	"shopsearch/store/storetest"
)

func openTemp(t *testing.T, path string, opts ...Option) *Embedded {
	t.Helper()
	e, err := OpenEmbedded(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEmbeddedConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "state.db"))
	})
}

func TestEmbeddedSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db") // the directory is created
	e := openTemp(t, path)
	if err := e.AppendProfile("mobile", 1, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.PutRule("r-1", []byte(`{"id":"r-1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.PutSetting("selection", []byte(`{"device":{}}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openTemp(t, path)
	n := 0
	e.ProfileVersions(func(name string, v int, data []byte) error {
		n++
		if name != "mobile" || v != 1 || string(data) != `{"v":1}` {
			t.Errorf("profile %q v%d %s", name, v, data)
		}
		return nil
	})
	e.Rules(func(id string, data []byte) error {
		n++
		if id != "r-1" || string(data) != `{"id":"r-1"}` {
			t.Errorf("rule %q %s", id, data)
		}
		return nil
	})
	if v, err := e.Setting("selection"); err != nil || string(v) != `{"device":{}}` {
		t.Errorf("setting %s, %v", v, err)
	}
	if n != 2 {
		t.Errorf("%d records after reopening, want 2", n)
	}
	// The next version continues from the stored one.
	if err := e.AppendProfile("mobile", 2, []byte(`{"v":2}`)); err != nil {
		t.Error(err)
	}
}

func TestEmbeddedFileInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	openTemp(t, path)
	// bbolt's flock is per open file description, so a second open in the
	// same process waits for it like another process would.
	if e, err := OpenEmbedded(path); err == nil {
		e.Close()
		t.Fatal("a second open of a file in use succeeded")
	}
}
