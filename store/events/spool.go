package events

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"

	"shopsearch/models"
)

// spool is the degraded-mode buffer: the accepted events waiting for the
// behaviour store, oldest first, in memory and — with a path — in an
// append-only file, so that events acknowledged while the store is
// unreachable survive a crash. Appends are fsynced in groups (whoever
// syncs, syncs every append written so far, as the change log does); the
// file is truncated once every event in it has been applied. It is
// bounded in events and bytes: an append that does not fit is refused
// (models.EUNAVAILABLE), never a silent drop.
//
// A line of the file is the CRC-32 (IEEE) of the record in 8 hex digits,
// a space and the record (JSON of spoolRecord). Opening reads the lines
// up to the first torn or corrupt one (a crash mid-write: that append was
// never acknowledged) and cuts the file there.
type spool struct {
	maxEvents int
	maxBytes  int64

	mu      sync.Mutex
	f       *os.File       // nil: memory only
	evs     []models.Event // pending, oldest first
	size    int64          // of the file
	start   int64          // the sequence number of evs[0]
	written int64          // appends written (a sequence)

	syncMu sync.Mutex
	synced int64 // appends fsynced
}

// spoolRecord is one event of the file, with what JSON of models.Event
// leaves out.
type spoolRecord struct {
	E       models.Event `json:"e"`
	IP      string       `json:"ip,omitempty"`
	Trusted bool         `json:"t,omitempty"`
}

// openSpool opens (creating it) the file at path, "" for none, and loads
// the events it holds.
func openSpool(path string, maxEvents int, maxBytes int64) (*spool, error) {
	s := &spool{maxEvents: maxEvents, maxBytes: maxBytes}
	if path == "" {
		return s, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("events: open the buffer: %w", err)
	}
	good, err := s.load(f)
	if err == nil {
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("events: read the buffer %s: %w", path, err)
	}
	s.f, s.size = f, good
	return s, nil
}

// load reads f's records into s.evs and returns the length of the good
// prefix.
func (s *spool) load(f *os.File) (int64, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return good, nil // a torn last line (no newline) is dropped
		}
		if err != nil {
			return 0, err
		}
		e, ok := decodeRecord(line[:len(line)-1])
		if !ok {
			return good, nil
		}
		s.evs = append(s.evs, e)
		good += int64(len(line))
	}
}

func encodeRecord(buf *bytes.Buffer, e *models.Event) {
	data, _ := json.Marshal(spoolRecord{E: *e, IP: e.IP, Trusted: e.Trusted}) // (an Event always marshals)
	var sum [4]byte
	crc := crc32.ChecksumIEEE(data)
	sum[0], sum[1], sum[2], sum[3] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
	buf.WriteString(hex.EncodeToString(sum[:]))
	buf.WriteByte(' ')
	buf.Write(data)
	buf.WriteByte('\n')
}

func decodeRecord(line []byte) (models.Event, bool) {
	if len(line) < 10 || line[8] != ' ' {
		return models.Event{}, false
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[:8]); err != nil {
		return models.Event{}, false
	}
	data := line[9:]
	if crc32.ChecksumIEEE(data) != uint32(sum[0])<<24|uint32(sum[1])<<16|uint32(sum[2])<<8|uint32(sum[3]) {
		return models.Event{}, false
	}
	var rec spoolRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return models.Event{}, false
	}
	rec.E.IP, rec.E.Trusted = rec.IP, rec.Trusted
	return rec.E, true
}

// add appends evs, durably when s has a file, or refuses them all.
func (s *spool) add(evs []models.Event) error {
	var buf bytes.Buffer
	if s.f != nil {
		for i := range evs {
			encodeRecord(&buf, &evs[i])
		}
	}
	s.mu.Lock()
	if len(s.evs)+len(evs) > s.maxEvents || s.f != nil && s.size+int64(buf.Len()) > s.maxBytes {
		n, size := len(s.evs), s.size
		s.mu.Unlock()
		return models.Errorf(models.EUNAVAILABLE,
			"the behaviour store is unreachable and the event buffer is full (%d events, %d bytes; limits %d and %d): retry later",
			n, size, s.maxEvents, s.maxBytes)
	}
	if s.f != nil {
		if _, err := s.f.Write(buf.Bytes()); err != nil {
			// A part may have been written: cut it off, so that the
			// file keeps only what is in memory.
			terr := s.f.Truncate(s.size)
			if terr == nil {
				_, terr = s.f.Seek(s.size, io.SeekStart)
			}
			s.mu.Unlock()
			return fmt.Errorf("events: write the buffer: %w", errors.Join(err, terr))
		}
		s.size += int64(buf.Len())
	}
	s.evs = append(s.evs, evs...)
	s.written++
	my := s.written
	s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.synced >= my {
		return nil // a later append's sync covered this one
	}
	s.mu.Lock()
	upTo := s.written
	s.mu.Unlock()
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("events: sync the buffer: %w", err)
	}
	s.synced = upTo
	return nil
}

// peek returns the oldest n pending events (a copy) and the sequence
// number of the first.
func (s *spool) peek(n int) ([]models.Event, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, len(s.evs))
	return append([]models.Event(nil), s.evs[:n]...), s.start
}

// done drops the n events from start on, applied; when none is left
// it truncates the file.
func (s *spool) done(start int64, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if drop := min(start+int64(n)-s.start, int64(len(s.evs))); drop > 0 {
		s.evs = s.evs[drop:]
		s.start += drop
	}
	if len(s.evs) > 0 {
		return nil
	}
	s.evs = nil
	if s.f == nil || s.size == 0 {
		return nil
	}
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("events: truncate the buffer: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("events: truncate the buffer: %w", err)
	}
	s.size = 0
	return nil
}

func (s *spool) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.evs)
}

func (s *spool) close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}
