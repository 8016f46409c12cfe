// Package clocktest gives tests their fixed dates, shifted by
// SHOPSEARCH_TEST_CLOCK_SHIFT, so that a test fixing a date over code that
// still reads the wall clock fails today instead of once the calendar
// passes that date.
//
// A test that fixes "now" writes it as clocktest.Date(2026, 12, 1, 8, 0)
// (or clocktest.At(t)) and hands clocktest.Fixed(...) to the code under
// test as its clock. Normally the shift is zero. `.ci/run` runs the suite
// a second time with the dates moved a year into the past (-8736h: 52
// weeks, so weekdays and hours stay): every layer that takes the injected
// clock moves with them, and any layer reading time.Now() does not, which
// shows up as a failure now. It is a package of its own, beside models,
// because every stage's tests need it and none of the stages owns time.
package clocktest

import (
	"fmt"
	"os"
	"time"
)

// EnvShift names the variable that shifts every date of this package: a
// Go duration such as -8736h. Empty or unset: no shift.
const EnvShift = "SHOPSEARCH_TEST_CLOCK_SHIFT"

// Shift returns the shift in force. A malformed value panics: it is a
// test run's configuration, and a run silently unshifted would prove
// nothing.
func Shift() time.Duration {
	v := os.Getenv(EnvShift)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("clocktest: %s=%q: %v", EnvShift, v, err))
	}
	return d
}

// At returns t moved by the shift.
func At(t time.Time) time.Time { return t.Add(Shift()) }

// Date returns the UTC time y-m-d h:min:00 moved by the shift.
func Date(y int, m time.Month, d, h, min int) time.Time {
	return At(time.Date(y, m, d, h, min, 0, 0, time.UTC))
}

// Fixed returns a clock that always reads t (already shifted by the
// caller through At or Date).
func Fixed(t time.Time) func() time.Time { return func() time.Time { return t } }
