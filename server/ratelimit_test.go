package server

import (
	"testing"
	"time"

	"shopsearch/models/clocktest"
)

// TestRateLimit: each address has a burst, refilled at the rate on the
// clock given, and a forgotten address starts with a full bucket.
func TestRateLimit(t *testing.T) {
	now := clocktest.Date(2026, 12, 1, 8, 0)
	l := newRateLimitOf(2, 3, 2) // 2 a second, bursts of 3, 2 addresses
	for i := range 3 {
		if !l.allow("a", now) {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	if l.allow("a", now) {
		t.Fatal("a 4th request at once was allowed")
	}
	if !l.allow("b", now) {
		t.Fatal("another address shares a's bucket")
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if !l.allow("a", now) || l.allow("a", now) {
		t.Error("half a second at 2 a second did not give back exactly one token")
	}
	l.allow("c", now) // pushes out b, the least recently seen
	l.allow("a", now)
	if l.buckets.Len() != 2 || l.buckets.Contains("b") {
		t.Errorf("kept %v, want a and c", l.buckets.Keys())
	}
}
