package rank

import (
	"context"
	"errors"
	"time"
)

// watchLogEvery is how often Watch repeats that polling still fails.
const watchLogEvery = time.Minute

// Watch keeps a replica's profiles and rules as fresh as the store another
// replica writes to: every interval it reads the store's change counter
// (version) and, when it differs from the one it last loaded, calls every
// reload (Profiles.Reload, Rulebook.Reload). The first successful poll
// reloads too, so that a change saved between the managers' first load and
// the start of Watch is not missed. It returns when ctx is done.
//
// While the store fails, searches keep what was loaded last and Watch keeps
// trying: logf hears of the first failure, then at most once every minute,
// and of the recovery. logf may be nil.
func Watch(ctx context.Context, interval time.Duration, version func(context.Context) (uint64, error),
	logf func(format string, args ...any), reload ...func() error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var (
		loaded   uint64
		known    bool      // loaded is set
		failures int       // in a row
		lastLog  time.Time // of a failure
	)
	poll := func() error {
		pctx, cancel := context.WithTimeout(ctx, max(interval, time.Second))
		defer cancel()
		v, err := version(pctx)
		if err != nil {
			return err
		}
		if known && v == loaded {
			return nil
		}
		var errs []error
		for _, r := range reload {
			errs = append(errs, r())
		}
		if err := errors.Join(errs...); err != nil {
			return err // loaded stays, so the next poll reloads again
		}
		loaded, known = v, true
		return nil
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		err := poll()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			if failures == 1 || time.Since(lastLog) >= watchLogEvery {
				logf("profiles and rules: cannot refresh from the store (%d failed polls; searches use what was loaded, and polling goes on every %v): %v",
					failures, interval, err)
				lastLog = time.Now()
			}
		case failures > 0:
			logf("profiles and rules: the store is back after %d failed polls; refreshed", failures)
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
