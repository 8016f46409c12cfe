package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitFlag is the value of --memory-limit: a soft limit on the Go
// runtime's memory (debug.SetMemoryLimit), such as 1.5GiB or 1800MiB. Near
// it the collector runs more often and returns freed memory to the system
// sooner, trading some CPU for a smaller, steadier RSS. Empty leaves the
// runtime's default, which honours GOMEMLIMIT.
type memoryLimitFlag struct{ bytes int64 }

func (f *memoryLimitFlag) String() string {
	if f.bytes == 0 {
		return ""
	}
	return formatBytes(f.bytes)
}

func (f *memoryLimitFlag) Set(v string) error {
	n, err := parseBytes(v)
	if err != nil {
		return err
	}
	if n < 64<<20 {
		return fmt.Errorf("memory limit %s is below 64MiB", v)
	}
	f.bytes = n
	return nil
}

// apply sets the limit, when one was given.
func (f *memoryLimitFlag) apply() {
	if f.bytes > 0 {
		debug.SetMemoryLimit(f.bytes)
	}
}

// parseBytes parses a size: a number with an optional unit B, KiB, MiB,
// GiB (or KB, MB, GB, taken as the binary units).
func parseBytes(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x <= 0 || x*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("size %q: want a positive number with an optional unit (B, KiB, MiB, GiB)", v)
	}
	return int64(x * float64(mult)), nil
}
