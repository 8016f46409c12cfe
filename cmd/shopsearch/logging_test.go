package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLogFormat(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger("json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("request", "route", "/api/search")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["route"] != "/api/search" {
		t.Fatalf("json line %q: %v", buf.String(), err)
	}
	buf.Reset()
	if l, err = newLogger("text", &buf); err != nil {
		t.Fatal(err)
	}
	l.Info("request", "route", "/api/search")
	if !strings.Contains(buf.String(), "route=/api/search") {
		t.Fatalf("text line %q", buf.String())
	}
	if _, err := newLogger("xml", &buf); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Fatalf("xml: %v, want an error naming the flag", err)
	}
}
