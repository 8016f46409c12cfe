package main

import "testing"

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1.5GiB": 3 << 29, "1800MiB": 1800 << 20, "2GB": 2 << 30, "4096": 4096, " 64 MiB ": 64 << 20} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1GiB", "0", "1TiB", "1e30"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q): no error", in)
		}
	}
	var f memoryLimitFlag
	if err := f.Set("1MiB"); err == nil {
		t.Error("1MiB accepted")
	}
}
