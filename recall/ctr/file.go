package ctr

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"shopsearch/publish"
)

// A CTR model file is framed as the recall model file is (publish.Kind: a
// 24-byte header with magic "SSCTRMDL", version, length and CRC-32C), and
// holds the model as JSON (a few hundred bytes).
var ctrFile = publish.Kind{Name: "CTR model", Magic: "SSCTRMDL", Version: 1, MaxPayload: 1 << 20, Corrupt: ErrCorrupt}

// ErrCorrupt is wrapped by every Load error about the file's contents.
var ErrCorrupt = errors.New("corrupt CTR model file")

// WriteTo writes the model in the file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("rank: encode ctr model: %w", err)
	}
	return ctrFile.Write(w, payload)
}

// ReadModel reads a model written by WriteTo, checking the header, the
// checksum and the model's shape.
func ReadModel(r io.Reader) (*Model, error) {
	payload, err := ctrFile.Read(r)
	if err != nil {
		return nil, err
	}
	var m Model
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrCorrupt, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &m, nil
}

// Save publishes the model at path atomically (publish.File).
func (m *Model) Save(path string) error {
	if err := publish.File(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("rank: save ctr model: %w", err)
	}
	return nil
}

// Load reads the CTR model file at path.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rank: load ctr model: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("rank: load %s: %w", path, err)
	}
	return m, nil
}

// round4 rounds x to 4 decimals (as rank rounds its explanations).
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
