package recall

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"shopsearch/publish"
)

// A model file is framed (publish.Kind: a 24-byte header with magic
// "SSRECALL", format version, payload length and CRC-32C) and holds the
// gob-encoded model data.
var modelFile = publish.Kind{Name: "recall model", Magic: "SSRECALL", Version: 1, MaxPayload: 4 << 30, Corrupt: ErrCorrupt}

// ErrCorrupt is wrapped by every Load error about the file's contents (as
// opposed to failing to open or read it).
var ErrCorrupt = errors.New("corrupt recall model file")

// WriteTo writes the model in the file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m.d); err != nil {
		return 0, fmt.Errorf("recall: encode model: %w", err)
	}
	return modelFile.Write(w, buf.Bytes())
}

// ReadModel reads a model written by WriteTo, checking the header, the
// checksum and the tables' consistency.
func ReadModel(r io.Reader) (*Model, error) {
	payload, err := modelFile.Read(r)
	if err != nil {
		return nil, err
	}
	var d modelData
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrCorrupt, err)
	}
	m, err := newModel(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

// Save publishes the model at path atomically (publish.File): a reader
// sees the old file or the new one, never a part.
func (m *Model) Save(path string) error {
	if err := publish.File(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("recall: save model: %w", err)
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
