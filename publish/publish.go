// Package publish writes the files other processes read while they change —
// product snapshots, model files — so that a reader sees the old file or the
// new one, never a part of one, and can tell a whole file of its kind from
// anything else. It is a package of its own because indexer, rank and recall
// all publish files, and none of them should import another for it.
package publish

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// File publishes path atomically: write fills a temporary file in the same
// directory (buffered), which is fsynced, made 0644, renamed over path, and
// the directory fsynced. On error the temporary file is removed and path is
// untouched.
func File(path string, write func(io.Writer) error) (err error) {
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
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
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
	return SyncDir(dir)
}

// Bytes publishes data at path as File does.
func Bytes(path string, data []byte) error {
	return File(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir fsyncs a directory, making the renames and creations in it
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Kind is a framed file format: a 24-byte header — an 8-byte magic, the
// format version (uint32), the payload length (uint64) and the CRC-32C of
// the payload (uint32), all little-endian — and the payload.
type Kind struct {
	Name       string // "recall model", in error messages
	Magic      string // 8 bytes
	Version    uint32
	MaxPayload uint64 // a longer length is refused, so a corrupt one cannot make Read allocate without bound
	// Corrupt is wrapped by every Read error about the contents (as
	// opposed to failing to read them).
	Corrupt error
}

// HeaderSize is the size of a framed file's header.
const HeaderSize = 24

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Write writes payload framed as k.
func (k Kind) Write(w io.Writer, payload []byte) (int64, error) {
	var h [HeaderSize]byte
	copy(h[:8], k.Magic)
	binary.LittleEndian.PutUint32(h[8:], k.Version)
	binary.LittleEndian.PutUint64(h[12:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(h[20:], crc32.Checksum(payload, crcTable))
	n, err := w.Write(h[:])
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(payload)
	return int64(n + m), err
}

// Read reads a payload framed as k, checking the magic, the version, the
// length and the checksum.
func (k Kind) Read(r io.Reader) ([]byte, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", k.Corrupt, err)
	}
	if string(h[:8]) != k.Magic {
		return nil, fmt.Errorf("%w: not a %s (magic %q)", k.Corrupt, k.Name, h[:8])
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != k.Version {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d (retrain the model)", k.Corrupt, v, k.Version)
	}
	size := binary.LittleEndian.Uint64(h[12:])
	if size > k.MaxPayload {
		return nil, fmt.Errorf("%w: payload length %d over the %d cap", k.Corrupt, size, k.MaxPayload)
	}
	// Grown as it is read, not allocated from the header's say-so.
	b := bytes.NewBuffer(make([]byte, 0, min(size, 64<<20)))
	if n, err := io.CopyN(b, r, int64(size)); err != nil {
		return nil, fmt.Errorf("%w: truncated: payload %d of %d bytes: %v", k.Corrupt, n, size, err)
	}
	buf := b.Bytes()
	if got, want := crc32.Checksum(buf, crcTable), binary.LittleEndian.Uint32(h[20:]); got != want {
		return nil, fmt.Errorf("%w: checksum %08x, header says %08x", k.Corrupt, got, want)
	}
	return buf, nil
}
