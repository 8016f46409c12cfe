package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// procStatus reads a size field (VmRSS, VmHWM) of /proc/self/status in
// bytes; 0 where there is no /proc.
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// rssBreakdown says what the resident memory is: anonymous (the Go heap and
// runtime) and file-backed (the index's memory-mapped segments, which the
// kernel can drop), and of the heap, what is live and what the runtime
// holds free without having returned it.
func rssBreakdown() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("anonymous %s, file-backed %s; Go heap in use %s, free not yet returned %s, GC goal %s",
		formatBytes(procStatus("RssAnon")), formatBytes(procStatus("RssFile")), formatBytes(int64(m.HeapInuse)),
		formatBytes(int64(m.HeapIdle-m.HeapReleased)), formatBytes(int64(m.NextGC)))
}

// currentGeneration is the name of the published generation of dataDir,
// which its CURRENT file holds.
func currentGeneration(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "CURRENT"))
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// generationSize is the size of the published generation of dataDir, and
// its name.
func generationSize(dataDir string) (int64, string, error) {
	gen, err := currentGeneration(dataDir)
	if err != nil {
		return 0, "", err
	}
	var size int64
	err = filepath.WalkDir(filepath.Join(dataDir, gen), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			size += info.Size()
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, "", fmt.Errorf("bench: size of %s: %w", gen, err)
	}
	return size, gen, nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// cpuMeter measures the CPU time the process uses over a phase, from
// /proc/self/stat (user + system, in clock ticks of 1/100 s).
type cpuMeter struct {
	wall  time.Time
	ticks int64
}

func startCPU() cpuMeter { return cpuMeter{wall: time.Now(), ticks: cpuTicks()} }

// cores is the average number of cores busy since the meter started; 0
// where there is no /proc.
func (m cpuMeter) cores() float64 {
	t := cpuTicks()
	if m.ticks < 0 || t < 0 {
		return 0
	}
	return float64(t-m.ticks) / 100 / max(time.Since(m.wall).Seconds(), 1e-9)
}

// cpuTicks is utime + stime of /proc/self/stat; -1 when unreadable.
func cpuTicks() int64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// The command name (field 2) may hold spaces; count from after it.
	_, rest, ok := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return utime + stime
}

// loadAverage is the 1-minute load average of the machine ("?" where there
// is no /proc): other work on it skews every figure of the table.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "?"
}
