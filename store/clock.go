package store

import "time"

// Option configures a store when it is opened.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock makes the store read the time from now instead of time.Now:
// the behaviour records' expiries (recent items, exposures), the fraud
// rules' windows and the change marks all follow it. A server passes the
// same clock to the event intake, so every layer agrees on "now", and a
// test fixes time once.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}
