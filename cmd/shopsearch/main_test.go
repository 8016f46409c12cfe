package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), nil, &stdout, &stderr); err == nil || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("no command: err %v, stderr %q", err, stderr.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, &stdout, &stderr); err == nil {
		t.Error("unknown command accepted")
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"help"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "shopsearch serve") {
		t.Errorf("help: err %v, stdout %q", err, stdout.String())
	}
}

func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--nope"},
		{"serve", "extra"},
		{"serve", "--seed", "abc"},
		{"serve", "--data", t.TempDir(), "--addr", "not an address"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	// The token default comes from the environment but never shows in -h.
	t.Setenv(tokenEnv, "very-secret")
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"serve", "-h"}, &stdout, &stderr)
	if strings.Contains(stderr.String(), "very-secret") || !strings.Contains(stderr.String(), tokenEnv) {
		t.Errorf("serve -h:\n%s", stderr.String())
	}
}

func TestPrintServing(t *testing.T) {
	for addr, want := range map[string]string{
		"[::]:8080":      "http://localhost:8080",
		"0.0.0.0:80":     "http://localhost:80",
		"127.0.0.1:9000": "http://127.0.0.1:9000",
		"[::1]:9000":     "http://[::1]:9000",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		printServing(&b, 4061, a)
		if !strings.Contains(b.String(), "serving on "+want+"\n") || !strings.Contains(b.String(), "4,061 products") {
			t.Errorf("%s: %q", addr, b.String())
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 4061: "4,061", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
