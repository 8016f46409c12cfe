package indexer

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line bar on a terminal, or a line per 10% elsewhere
// (logs, CI).
type progress struct {
	w        io.Writer
	total    int
	tty      bool
	start    time.Time
	lastTick int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) set(n int) {
	if p.w == nil {
		return
	}
	rate := float64(n) / max(time.Since(p.start).Seconds(), 1e-9)
	if p.total == 0 {
		// A streamed catalog of unknown length: a count, every 100,000
		// products in a log.
		if p.tty {
			fmt.Fprintf(p.w, "\rindexed %d %.0f docs/s", n, rate)
		} else if tick := n / 100_000; tick > p.lastTick {
			p.lastTick = tick
			fmt.Fprintf(p.w, "indexed %d %.0f docs/s\n", n, rate)
		}
		return
	}
	if p.tty {
		const width = 30
		fill := width * n / p.total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d %.0f docs/s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*n/p.total, n, p.total, rate)
		return
	}
	if tick := 10 * n / p.total; tick > p.lastTick {
		p.lastTick = tick
		fmt.Fprintf(p.w, "indexed %d/%d (%d%%) %.0f docs/s\n", n, p.total, 100*n/p.total, rate)
	}
}

func (p *progress) done() {
	if p.w != nil && p.tty {
		fmt.Fprintln(p.w)
	}
}
