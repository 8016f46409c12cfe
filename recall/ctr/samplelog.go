package ctr

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"shopsearch/models"
)

// The sample layer of the CTR model. Serving a slot logs an Impression —
// its id, time, scene and every item with its position and Features as
// they were when it was ranked — and an event that refers to it (a click,
// add-to-cart or purchase carrying its impression_id) logs a Label. Both go
// to one append-only JSON-lines log of bounded size in a directory of the
// data directory; ReadSamples joins them into labelled samples (an item of
// an impression is a positive when a label names both within the join
// window). Logging the features as served, rather than recomputing them at
// training time, keeps training and serving consistent even as an item's
// sales and CTR move.

// Impression is one served slot as the sample log keeps it.
type Impression struct {
	ID    string           `json:"id"`
	At    time.Time        `json:"t"`
	Scene string           `json:"scene"`
	Items []ImpressionItem `json:"items"`
}

// ImpressionItem is one item of an impression.
type ImpressionItem struct {
	ID       string   `json:"id"`
	Pos      int      `json:"pos"` // 1-based
	Features Features `json:"f"`
}

// Label is a shopper's response to an item of an impression.
type Label struct {
	Impression string           `json:"id"`
	Item       string           `json:"item"`
	Type       models.EventType `json:"type"`
	At         time.Time        `json:"t"`
}

// sampleLine is one line of the log: exactly one of the fields.
type sampleLine struct {
	Imp   *Impression `json:"imp,omitempty"`
	Label *Label      `json:"label,omitempty"`
}

// SampleLogConfig bounds the sample log; zero fields take
// DefaultSampleLogConfig's.
type SampleLogConfig struct {
	// MaxFileBytes starts a new file once the current one would pass it.
	MaxFileBytes int64
	// MaxFiles keeps this many files of the directory, deleting the oldest:
	// the log holds at most about MaxFiles × MaxFileBytes.
	MaxFiles int
	// FlushEvery writes buffered lines out this often (a crash loses at
	// most this much); negative: only when the buffer fills, on Flush and
	// on Close.
	FlushEvery time.Duration
}

// DefaultSampleLogConfig returns 32 MiB files, 8 of them (256 MiB), flushed
// every second.
func DefaultSampleLogConfig() SampleLogConfig {
	return SampleLogConfig{MaxFileBytes: 32 << 20, MaxFiles: 8, FlushEvery: time.Second}
}

// Sample log files are named samplePrefix + a UTC timestamp + a process
// tag + sampleExt, so that names sort by age and replicas sharing a
// directory write files of their own.
const (
	samplePrefix = "samples-"
	sampleExt    = ".jsonl"
	maxLabelIDs  = 128 // bytes of an impression or item id in a label
)

// SampleLog is the append-only, size-capped sample log; safe for
// concurrent use.
type SampleLog struct {
	dir  string
	cfg  SampleLogConfig
	tag  string
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	size int64
	seq  int
	stop chan struct{}
	done chan struct{}
}

// OpenSampleLog opens (creating it) the sample log directory dir.
func OpenSampleLog(dir string, cfg SampleLogConfig) (*SampleLog, error) {
	def := DefaultSampleLogConfig()
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = def.MaxFileBytes
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = def.MaxFiles
	}
	if cfg.FlushEvery == 0 {
		cfg.FlushEvery = def.FlushEvery
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rank: sample log: %w", err)
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, host)
	if len(host) > 32 {
		host = host[:32]
	}
	l := &SampleLog{dir: dir, cfg: cfg, tag: fmt.Sprintf("%s-%d", host, os.Getpid()), stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.FlushEvery > 0 {
		go l.flusher(l.stop)
	} else {
		close(l.done)
	}
	return l, nil
}

// Dir is the log's directory.
func (l *SampleLog) Dir() string { return l.dir }

func (l *SampleLog) flusher(stop <-chan struct{}) {
	defer close(l.done)
	t := time.NewTicker(l.cfg.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			l.Flush()
		}
	}
}

// LogImpression appends a served slot.
func (l *SampleLog) LogImpression(imp Impression) error {
	if imp.ID == "" || len(imp.Items) == 0 {
		return nil
	}
	return l.append(sampleLine{Imp: &imp})
}

// LogLabel appends a response to an impression's item; labels without an
// impression or item id, or with over-long ones, are ignored.
func (l *SampleLog) LogLabel(lb Label) error {
	if lb.Impression == "" || lb.Item == "" || len(lb.Impression) > maxLabelIDs || len(lb.Item) > maxLabelIDs {
		return nil
	}
	return l.append(sampleLine{Label: &lb})
}

func (l *SampleLog) append(line sampleLine) error {
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("rank: sample log: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop == nil {
		return fmt.Errorf("rank: sample log: closed")
	}
	if l.f != nil && l.size+int64(len(b)) > l.cfg.MaxFileBytes {
		if err := l.closeFile(); err != nil {
			return err
		}
	}
	if l.f == nil {
		if err := l.openFile(); err != nil {
			return err
		}
	}
	if _, err := l.w.Write(b); err != nil {
		return fmt.Errorf("rank: sample log: %w", err)
	}
	l.size += int64(len(b))
	return nil
}

// openFile starts a new file and prunes the oldest; callers hold mu.
func (l *SampleLog) openFile() error {
	l.seq++
	name := fmt.Sprintf("%s%s-%s-%d%s", samplePrefix, time.Now().UTC().Format("20060102T150405.000000"), l.tag, l.seq, sampleExt)
	f, err := os.OpenFile(filepath.Join(l.dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("rank: sample log: %w", err)
	}
	l.f, l.w, l.size = f, bufio.NewWriterSize(f, 64<<10), 0
	files, err := SampleFiles(l.dir)
	if err != nil {
		return err
	}
	for len(files) > l.cfg.MaxFiles {
		if files[0] != f.Name() {
			os.Remove(files[0])
		}
		files = files[1:]
	}
	return nil
}

// closeFile flushes and closes the current file; callers hold mu.
func (l *SampleLog) closeFile() error {
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f, l.w = nil, nil
	if err != nil {
		return fmt.Errorf("rank: sample log: %w", err)
	}
	return nil
}

// Flush writes the buffered lines out.
func (l *SampleLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return nil
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("rank: sample log: %w", err)
	}
	return nil
}

// Close flushes and closes the log.
func (l *SampleLog) Close() error {
	l.mu.Lock()
	stop := l.stop
	l.stop = nil
	l.mu.Unlock()
	if stop == nil {
		return nil
	}
	close(stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closeFile()
}

// SampleFiles lists the sample log files of dir, oldest first.
func SampleFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rank: sample log: %w", err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, samplePrefix) && strings.HasSuffix(n, sampleExt) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	slices.Sort(out)
	return out, nil
}

// SampleStats describe a join of the sample log.
type SampleStats struct {
	Files, Impressions, Labels, Samples, Positives int
	BadLines                                       int // malformed lines skipped (a crash can cut the last)
	Unmatched                                      int // labels naming no logged impression item
}

func (s SampleStats) String() string {
	return fmt.Sprintf("files=%d impressions=%d labels=%d samples=%d positives=%d unmatched_labels=%d bad_lines=%d",
		s.Files, s.Impressions, s.Labels, s.Samples, s.Positives, s.Unmatched, s.BadLines)
}

// DefaultJoinWindow is how long after an impression a label still counts.
const DefaultJoinWindow = 24 * time.Hour

// maxSampleLine caps a line ReadSamples accepts.
const maxSampleLine = 4 << 20

// ReadSamples reads sample logs — directories (their sample files) or files
// — and joins them: every item of every impression is one sample, clicked
// when a label names the impression and the item at most window after the
// impression (and not over a minute before it: replicas' clocks differ).
// window ≤ 0 means DefaultJoinWindow. Samples come in the order of the
// impressions' times.
func ReadSamples(paths []string, window time.Duration) ([]Sample, SampleStats, error) {
	if window <= 0 {
		window = DefaultJoinWindow
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, SampleStats{}, fmt.Errorf("rank: samples: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		fs, err := SampleFiles(p)
		if err != nil {
			return nil, SampleStats{}, err
		}
		files = append(files, fs...)
	}
	var stats SampleStats
	stats.Files = len(files)
	var imps []Impression
	labels := map[[2]string][]time.Time{}
	for _, path := range files {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // pruned meanwhile
		}
		if err != nil {
			return nil, stats, fmt.Errorf("rank: samples: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), maxSampleLine)
		for sc.Scan() {
			var line sampleLine
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil || (line.Imp == nil) == (line.Label == nil) {
				stats.BadLines++
				continue
			}
			if line.Imp != nil {
				imps = append(imps, *line.Imp)
				continue
			}
			lb := line.Label
			k := [2]string{lb.Impression, lb.Item}
			labels[k] = append(labels[k], lb.At)
			stats.Labels++
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			stats.BadLines++ // an over-long line ends the file's reading
		}
	}
	slices.SortStableFunc(imps, func(a, b Impression) int { return a.At.Compare(b.At) })
	stats.Impressions = len(imps)
	matched := map[[2]string]bool{}
	var out []Sample
	for _, imp := range imps {
		for _, it := range imp.Items {
			k := [2]string{imp.ID, it.ID}
			clicked := false
			for _, at := range labels[k] {
				if d := at.Sub(imp.At); d >= -time.Minute && d <= window {
					clicked = true
				}
			}
			if _, ok := labels[k]; ok {
				matched[k] = true
			}
			out = append(out, Sample{Features: it.Features, Clicked: clicked})
			if clicked {
				stats.Positives++
			}
		}
	}
	for k, ts := range labels {
		if !matched[k] {
			stats.Unmatched += len(ts)
		}
	}
	stats.Samples = len(out)
	return out, stats, nil
}
