package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"shopsearch/models"
)

// bucketLexicon holds the versions of the lexicon document (the console's
// words, stop words and synonyms): version (uint32, big-endian) → JSON. It
// is created by the first AppendLexicon, so a store written before the
// lexicon existed opens as it is.
var bucketLexicon = []byte("lexicon")

// maxLexiconVersion bounds lexicon versions, as the key holds 32 bits.
const maxLexiconVersion = 1 << 31

// AppendLexicon stores version of the lexicon document. version must be one
// more than the latest stored version (1 for the first); otherwise the error
// has code models.ECONFLICT, so that two writers cannot both append the same
// version.
func (e *Embedded) AppendLexicon(version int, data []byte) error {
	if version < 1 || version > maxLexiconVersion {
		return models.Errorf(models.EINVALID, "lexicon: version %d is out of range", version)
	}
	return e.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketLexicon)
		if err != nil {
			return fmt.Errorf("store: create the lexicon bucket: %w", err)
		}
		latest := 0
		if k, _ := b.Cursor().Last(); k != nil {
			if len(k) != 4 {
				return fmt.Errorf("store: malformed lexicon key %q", k)
			}
			latest = int(binary.BigEndian.Uint32(k))
		}
		if version != latest+1 {
			return models.Errorf(models.ECONFLICT, "the lexicon is at version %d, so version %d cannot be appended; reload and retry",
				latest, version)
		}
		if err := b.Put(lexiconKey(version), data); err != nil {
			return err
		}
		return changed(tx)
	})
}

// LexiconVersions calls fn with every stored version of the lexicon
// document, oldest first, after reading them (fn may use the store).
func (e *Embedded) LexiconVersions(fn func(version int, data []byte) error) error {
	type row struct {
		version int
		data    []byte
	}
	var rows []row
	err := e.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLexicon)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 4 {
				return fmt.Errorf("store: malformed lexicon key %q", k)
			}
			rows = append(rows, row{int(binary.BigEndian.Uint32(k)), bytes.Clone(v)})
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r.version, r.data); err != nil {
			return err
		}
	}
	return nil
}

// LatestLexicon returns the latest stored version of the lexicon document,
// 0 when none is: a replica compares it with what it loaded before reading
// every version.
func (e *Embedded) LatestLexicon() (int, error) {
	latest := 0
	err := e.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLexicon)
		if b == nil {
			return nil
		}
		if k, _ := b.Cursor().Last(); k != nil {
			if len(k) != 4 {
				return fmt.Errorf("store: malformed lexicon key %q", k)
			}
			latest = int(binary.BigEndian.Uint32(k))
		}
		return nil
	})
	return latest, err
}

// lexiconKey is the key of a lexicon version: big-endian, so that keys sort
// by version.
func lexiconKey(version int) []byte {
	k := make([]byte, 4)
	binary.BigEndian.PutUint32(k, uint32(version))
	return k
}
