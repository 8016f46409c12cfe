package rank

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"shopsearch/publish"
)

// A CTR model file is framed as the recall model file is (publish.Kind: a
// 24-byte header with magic "SSCTRMDL", version, length and CRC-32C), and
// holds the model as JSON (a few hundred bytes).
var ctrFile = publish.Kind{Name: "CTR model", Magic: "SSCTRMDL", Version: 1, MaxPayload: 1 << 20, Corrupt: ErrCorruptCTR}

// ErrCorruptCTR is wrapped by every LoadCTR error about the file's contents.
var ErrCorruptCTR = errors.New("corrupt CTR model file")

// WriteTo writes the model in the file format.
func (m *CTRModel) WriteTo(w io.Writer) (int64, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("rank: encode ctr model: %w", err)
	}
	return ctrFile.Write(w, payload)
}

// ReadCTRModel reads a model written by WriteTo, checking the header, the
// checksum and the model's shape.
func ReadCTRModel(r io.Reader) (*CTRModel, error) {
	payload, err := ctrFile.Read(r)
	if err != nil {
		return nil, err
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

// Save publishes the model at path atomically (publish.File).
func (m *CTRModel) Save(path string) error {
	if err := publish.File(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	}); err != nil {
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
	m, err := ReadCTRModel(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("rank: load %s: %w", path, err)
	}
	return m, nil
}
