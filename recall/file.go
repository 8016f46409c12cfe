package recall

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// A model file is a 24-byte header — magic "SSRECALL", format version
// (uint32), payload length (uint64), CRC-32C of the payload (uint32), all
// little-endian — followed by the gob-encoded model data.
const (
	fileMagic   = "SSRECALL"
	fileVersion = 1
	headerSize  = 24
	// maxPayload caps what Load will read (a corrupt length must not make
	// it allocate without bound).
	maxPayload = 4 << 30
)

// ErrCorrupt is wrapped by every Load error about the file's contents (as
// opposed to failing to open or read it).
var ErrCorrupt = errors.New("corrupt recall model file")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the model in the file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m.d); err != nil {
		return 0, fmt.Errorf("recall: encode model: %w", err)
	}
	var h [headerSize]byte
	copy(h[:8], fileMagic)
	binary.LittleEndian.PutUint32(h[8:], fileVersion)
	binary.LittleEndian.PutUint64(h[12:], uint64(buf.Len()))
	binary.LittleEndian.PutUint32(h[20:], crc32.Checksum(buf.Bytes(), crcTable))
	n, err := w.Write(h[:])
	if err != nil {
		return int64(n), err
	}
	k, err := w.Write(buf.Bytes())
	return int64(n + k), err
}

// ReadModel reads a model written by WriteTo, checking the header, the
// checksum and the tables' consistency.
func ReadModel(r io.Reader) (*Model, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if string(h[:8]) != fileMagic {
		return nil, fmt.Errorf("%w: not a recall model (magic %q)", ErrCorrupt, h[:8])
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != fileVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d (retrain the model)", ErrCorrupt, v, fileVersion)
	}
	size := binary.LittleEndian.Uint64(h[12:])
	if size > maxPayload {
		return nil, fmt.Errorf("%w: payload length %d over the %d cap", ErrCorrupt, size, maxPayload)
	}
	payload := make([]byte, 0, min(size, 64<<20))
	buf := bytes.NewBuffer(payload)
	if n, err := io.CopyN(buf, r, int64(size)); err != nil {
		return nil, fmt.Errorf("%w: truncated: payload %d of %d bytes: %v", ErrCorrupt, n, size, err)
	}
	if got, want := crc32.Checksum(buf.Bytes(), crcTable), binary.LittleEndian.Uint32(h[20:]); got != want {
		return nil, fmt.Errorf("%w: checksum %08x, header says %08x", ErrCorrupt, got, want)
	}
	var d modelData
	if err := gob.NewDecoder(buf).Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrCorrupt, err)
	}
	m, err := newModel(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

// Save publishes the model at path atomically: it writes a temporary file
// in the same directory, fsyncs it, renames it over path and fsyncs the
// directory, so a reader sees the old file or the new one, never a part.
func (m *Model) Save(path string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err = m.WriteTo(w); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads the model file at path.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recall: load model: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("recall: load %s: %w", path, err)
	}
	return m, nil
}
