package indexer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"shopsearch/models"
)

// Compaction folds the change log into the product snapshot, so that the
// log — which partial updates grow at thousands of lines a second — stays
// short and opening a generation stays fast. It never stops writers for
// longer than it takes to copy the log lines written while it ran:
//
//  1. the caller notes the log's size (LogSize) at a moment when every
//     change up to it is applied to its products (under its write lock);
//  2. Compact writes a new snapshot from the caller's products, which
//     reflect at least every change up to that size, to a temporary file;
//  3. holding the log, it copies the lines written since into a new log
//     (temporary file), renames the snapshot into place, then the new log,
//     and syncs the directory.
//
// A crash between the two renames leaves the new snapshot with the whole
// old log, and one after them the new snapshot with the copied lines;
// either way opening replays lines that the snapshot may already reflect.
// That converges on the right products because every change sets values —
// an upsert the whole product, a patch some fields, a delete its absence —
// so replaying a line that is already applied, followed by every later
// line, ends where the log ends. Upserts in the log are already in Bleve:
// its batches return once persisted (scorch's default), and the log is
// written before them.

// CompactStats says what a compaction did.
type CompactStats struct {
	Products  int           // in the new snapshot
	LogBefore int64         // bytes of the change log when it started
	LogAfter  int64         // bytes left: the lines written while it ran
	Took      time.Duration // from start to the last rename
}

// LogSize returns the size of the change log in bytes.
func (c *Catalog) LogSize() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logSize()
}

// SnapshotWritten returns when the product snapshot was last written:
// by the build of the generation or by its last compaction (the file's
// modification time).
func (c *Catalog) SnapshotWritten() (time.Time, error) {
	fi, err := os.Stat(filepath.Join(c.dir, snapshotFile))
	if err != nil {
		return time.Time{}, fmt.Errorf("product snapshot: %w", err)
	}
	return fi.ModTime(), nil
}

func (c *Catalog) logSize() (int64, error) {
	fi, err := c.log.Stat()
	if err != nil {
		return 0, fmt.Errorf("change log: %w", err)
	}
	return fi.Size(), nil
}

// Compact replaces the snapshot with the products scan yields and cuts
// the first upTo bytes off the change log (see the comment above for the
// protocol). upTo must be a size LogSize returned while every change up to
// it was applied to the products that scan yields.
func (c *Catalog) Compact(upTo int64, scan func(yield func(*models.Product) error) error) (CompactStats, error) {
	start := time.Now()
	st := CompactStats{LogBefore: upTo}
	snapPath := filepath.Join(c.dir, snapshotFile)
	tmpSnap, err := os.CreateTemp(c.dir, snapshotFile+".*"+tmpSuffix)
	if err != nil {
		return st, fmt.Errorf("compact: %w", err)
	}
	defer os.Remove(tmpSnap.Name()) // fails harmlessly once renamed
	if err := tmpSnap.Chmod(0o644); err != nil {
		tmpSnap.Close()
		return st, fmt.Errorf("compact: %w", err)
	}
	if st.Products, err = writeProducts(tmpSnap, scan); err != nil {
		tmpSnap.Close()
		return st, fmt.Errorf("compact: write snapshot: %w", err)
	}
	if err := tmpSnap.Close(); err != nil {
		return st, fmt.Errorf("compact: write snapshot: %w", err)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	size, err := c.logSize()
	if err != nil {
		return st, fmt.Errorf("compact: %w", err)
	}
	if upTo < 0 || upTo > size {
		return st, fmt.Errorf("compact: log offset %d outside the log (%d bytes)", upTo, size)
	}
	logPath := filepath.Join(c.dir, changesFile)
	tmpLog, err := os.CreateTemp(c.dir, changesFile+".*"+tmpSuffix)
	if err != nil {
		return st, fmt.Errorf("compact: %w", err)
	}
	defer os.Remove(tmpLog.Name())
	if err := tmpLog.Chmod(0o644); err != nil {
		tmpLog.Close()
		return st, fmt.Errorf("compact: %w", err)
	}
	if err := copyTail(tmpLog, logPath, upTo, size); err != nil {
		tmpLog.Close()
		return st, fmt.Errorf("compact: copy the change log's tail: %w", err)
	}
	if err := os.Rename(tmpSnap.Name(), snapPath); err != nil {
		tmpLog.Close()
		return st, fmt.Errorf("compact: publish snapshot: %w", err)
	}
	if err := os.Rename(tmpLog.Name(), logPath); err != nil {
		// The new snapshot with the old, whole log opens right; keep
		// appending to the old log.
		tmpLog.Close()
		return st, fmt.Errorf("compact: publish change log: %w", err)
	}
	old := c.log
	c.log = tmpLog // the same file as logPath now; appends go on at its end
	old.Close()
	if err := syncDir(c.dir); err != nil {
		return st, fmt.Errorf("compact: sync %s: %w", c.dir, err)
	}
	st.LogAfter = size - upTo
	st.Took = time.Since(start)
	return st, nil
}

// writeProducts writes the snapshot format (gzip JSONL, as writeSnapshot)
// to f and fsyncs it.
func writeProducts(f *os.File, scan func(yield func(*models.Product) error) error) (int, error) {
	bw := bufio.NewWriterSize(f, 1<<16)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	n := 0
	if err := scan(func(p *models.Product) error {
		n++
		return enc.Encode(p)
	}); err != nil {
		return n, err
	}
	if err := zw.Close(); err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, f.Sync()
}

// copyTail appends the bytes [from, to) of the file at path to dst and
// fsyncs dst, leaving its offset at its end. from must start a line (a size
// the log had between two writes).
func copyTail(dst *os.File, path string, from, to int64) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(dst, io.NewSectionReader(src, from, to-from)); err != nil {
		return err
	}
	return dst.Sync()
}
