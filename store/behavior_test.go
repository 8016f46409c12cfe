package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"shopsearch/store/redistest"
	"shopsearch/store/storetest"
)

var behaviorLimits = storetest.Limits{Recent: RecentLimit, DayTTL: DayTTL}

func TestEmbeddedBehaviorConformance(t *testing.T) {
	storetest.RunBehavior(t, behaviorLimits, func(t *testing.T) storetest.BehaviorStore {
		return openTemp(t, filepath.Join(t.TempDir(), "state.db"))
	})
}

// TestRedisBehaviorConformance runs the suite on one server, each test
// under a prefix of its own.
func TestRedisBehaviorConformance(t *testing.T) {
	url := redistest.Start(t)
	n := 0
	storetest.RunBehavior(t, behaviorLimits, func(t *testing.T) storetest.BehaviorStore {
		n++
		return openRedis(t, fmt.Sprintf("%s?prefix=behavior-%d:", url, n))
	})
}

func TestEmbeddedFollowsItsClock(t *testing.T) {
	storetest.RunClock(t, func(t *testing.T, clock func() time.Time) storetest.BehaviorStore {
		return openTemp(t, filepath.Join(t.TempDir(), "state.db"), WithClock(clock))
	})
}

func TestRedisFollowsItsClock(t *testing.T) {
	url := redistest.Start(t)
	storetest.RunClock(t, func(t *testing.T, clock func() time.Time) storetest.BehaviorStore {
		return openRedis(t, url+"?prefix=clock:", WithClock(clock))
	})
}
