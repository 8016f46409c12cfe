package rank

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// A CTR model file is a 24-byte header — magic "SSCTRMDL", format version
// (uint32), payload length (uint64), CRC-32C of the payload (uint32), all
// little-endian — followed by the model as JSON (it is a few hundred
// bytes). It is the recall model file's layout (recall/file.go).
const (
	ctrMagic      = "SSCTRMDL"
	ctrVersion    = 1
	ctrHeaderSize = 24
	ctrMaxPayload = 1 << 20
)

// ErrCorruptCTR is wrapped by every LoadCTR error about the file's contents.
var ErrCorruptCTR = errors.New("corrupt CTR model file")

var ctrCRC = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the model in the file format.
func (m *CTRModel) WriteTo(w io.Writer) (int64, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("rank: encode ctr model: %w", err)
	}
	var h [ctrHeaderSize]byte
	copy(h[:8], ctrMagic)
	binary.LittleEndian.PutUint32(h[8:], ctrVersion)
	binary.LittleEndian.PutUint64(h[12:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(h[20:], crc32.Checksum(payload, ctrCRC))
	n, err := w.Write(append(h[:], payload...))
	return int64(n), err
}

// ReadCTRModel reads a model written by WriteTo, checking the header, the
// checksum and the model's shape.
func ReadCTRModel(r io.Reader) (*CTRModel, error) {
	var h [ctrHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorruptCTR, err)
	}
	if string(h[:8]) != ctrMagic {
		return nil, fmt.Errorf("%w: not a CTR model (magic %q)", ErrCorruptCTR, h[:8])
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != ctrVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d (retrain the model)", ErrCorruptCTR, v, ctrVersion)
	}
	size := binary.LittleEndian.Uint64(h[12:])
	if size > ctrMaxPayload {
		return nil, fmt.Errorf("%w: payload length %d over the %d cap", ErrCorruptCTR, size, ctrMaxPayload)
	}
	payload := make([]byte, size)
	if n, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("%w: truncated: payload %d of %d bytes: %v", ErrCorruptCTR, n, size, err)
	}
	if got, want := crc32.Checksum(payload, ctrCRC), binary.LittleEndian.Uint32(h[20:]); got != want {
		return nil, fmt.Errorf("%w: checksum %08x, header says %08x", ErrCorruptCTR, got, want)
	}
	var m CTRModel
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrCorruptCTR, err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptCTR, err)
	}
	return &m, nil
}

// Save publishes the model at path atomically: a temporary file in the same
// directory, fsynced, renamed over path, and the directory fsynced.
func (m *CTRModel) Save(path string) (err error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("rank: save ctr model: %w", err)
	}
	return nil
}

// LoadCTR reads the CTR model file at path.
func LoadCTR(path string) (*CTRModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rank: load ctr model: %w", err)
	}
	defer f.Close()
	m, err := ReadCTRModel(io.LimitReader(f, ctrHeaderSize+ctrMaxPayload))
	if err != nil {
		return nil, fmt.Errorf("rank: load %s: %w", path, err)
	}
	return m, nil
}

// writeFileAtomic writes data to a temporary file beside path, fsyncs it,
// renames it over path and fsyncs the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
