// Package store persists the state that replicas share — weight profiles,
// merchandiser rules and shopper behaviour (behavior*.go) — behind small interfaces
// that their users define; Embedded keeps it in one bbolt file for one
// process, Redis in a Redis server for several replicas, which poll its
// Version to reload what another saved, and carries the replicas' ordered
// stream of catalog writes (stream.go, replica.go). It is a package of its own because
// persistence belongs to none of the pipeline stages (dict, indexer, query,
// rank).
//
// Values are opaque bytes (JSON, encoded and validated by their owners), so
// a store knows nothing of profiles or rules beyond their keys.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"shopsearch/models"
)

// Bucket names: one per kind of record.
var (
	bucketProfiles = []byte("profiles") // name \x00 version (uint32, big-endian) → JSON
	bucketRules    = []byte("rules")    // id → JSON
	bucketSettings = []byte("settings") // key → JSON
	// bucketMeta holds no keys; its sequence is the change counter (Version).
	bucketMeta = []byte("meta")
)

// lockTimeout is how long OpenEmbedded waits for another process to release
// the file before giving up.
const lockTimeout = 2 * time.Second

// Embedded is the store in one bbolt file. It is safe for concurrent use;
// only one process may have the file open.
type Embedded struct {
	db     *bolt.DB
	now    func() time.Time // the clock (WithClock)
	claims claimState       // the fraud rules' changes not yet written (behavior_claims.go)
}

// OpenEmbedded opens (creating it and its directory if needed) the store
// file at path, e.g. DATA/state.db.
func OpenEmbedded(path string, opts ...Option) (*Embedded, error) {
	o := buildOptions(opts)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: %s is in use by another process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketProfiles, bucketRules, bucketSettings, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: create buckets in %s: %w", path, err)
	}
	// Behaviour writes are group-committed (bbolt's Batch); a lone writer
	// waits this long for others before its commit (the default is 10 ms).
	db.MaxBatchDelay = time.Millisecond
	return &Embedded{db: db, now: o.now}, nil
}

// Close closes the file.
func (e *Embedded) Close() error {
	return errors.Join(e.flushClaims(), e.db.Close())
}

// AppendProfile stores version of the profile name. version must be one
// more than the latest stored version of name (1 for a new name); otherwise
// the error has code models.ECONFLICT, so that two writers (two replicas)
// cannot both append the same version.
func (e *Embedded) AppendProfile(name string, version int, data []byte) error {
	if err := checkKey("profile name", name); err != nil {
		return err
	}
	if version < 1 || version > 1<<31 {
		return models.Errorf(models.EINVALID, "profile %q: version %d is out of range", name, version)
	}
	return e.db.Update(func(tx *bolt.Tx) error {
		latest := 0
		c := tx.Bucket(bucketProfiles).Cursor()
		prefix := append([]byte(name), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			latest = int(binary.BigEndian.Uint32(k[len(prefix):]))
		}
		if version != latest+1 {
			return models.Errorf(models.ECONFLICT, "profile %q is at version %d, so version %d cannot be appended; reload and retry",
				name, latest, version)
		}
		if err := tx.Bucket(bucketProfiles).Put(profileKey(name, version), data); err != nil {
			return err
		}
		return changed(tx)
	})
}

// ProfileVersions calls fn with every stored version of every profile, by
// name and then version, after reading them (fn may use the store).
func (e *Embedded) ProfileVersions(fn func(name string, version int, data []byte) error) error {
	type row struct {
		name    string
		version int
		data    []byte
	}
	var rows []row
	err := e.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProfiles).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(k) != i+5 {
				return fmt.Errorf("store: malformed profile key %q", k)
			}
			rows = append(rows, row{string(k[:i]), int(binary.BigEndian.Uint32(k[i+1:])), bytes.Clone(v)})
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r.name, r.version, r.data); err != nil {
			return err
		}
	}
	return nil
}

// PutRule stores (or replaces) the rule with id.
func (e *Embedded) PutRule(id string, data []byte) error {
	if err := checkKey("rule id", id); err != nil {
		return err
	}
	return e.put(bucketRules, id, data)
}

// DeleteRule removes the rule with id; removing an absent rule is not an
// error (nor a change).
func (e *Embedded) DeleteRule(id string) error {
	return e.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRules)
		if b.Get([]byte(id)) == nil {
			return nil
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return changed(tx)
	})
}

// Rules calls fn with every rule, by id, after reading them (fn may use
// the store).
func (e *Embedded) Rules(fn func(id string, data []byte) error) error {
	var ids []string
	var values [][]byte
	err := e.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRules).ForEach(func(k, v []byte) error {
			ids, values = append(ids, string(k)), append(values, bytes.Clone(v))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for i := range ids {
		if err := fn(ids[i], values[i]); err != nil {
			return err
		}
	}
	return nil
}

// PutSetting stores (or replaces) the setting key.
func (e *Embedded) PutSetting(key string, data []byte) error {
	if err := checkKey("setting key", key); err != nil {
		return err
	}
	return e.put(bucketSettings, key, data)
}

// Setting returns the setting key, nil when it was never stored.
func (e *Embedded) Setting(key string) ([]byte, error) {
	var out []byte
	err := e.db.View(func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket(bucketSettings).Get([]byte(key)))
		return nil
	})
	return out, err
}

// Version returns the change counter: it grows with every write and is 0
// for a new store. (Only one process can have the file open, so nothing
// needs to poll it; it is here for the interface Redis shares.)
func (e *Embedded) Version(context.Context) (uint64, error) {
	var v uint64
	err := e.db.View(func(tx *bolt.Tx) error {
		v = tx.Bucket(bucketMeta).Sequence()
		return nil
	})
	return v, err
}

func (e *Embedded) put(bucket []byte, key string, data []byte) error {
	return e.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucket).Put([]byte(key), data); err != nil {
			return err
		}
		return changed(tx)
	})
}

// changed counts a write in the change counter, in its transaction.
func changed(tx *bolt.Tx) error {
	_, err := tx.Bucket(bucketMeta).NextSequence()
	return err
}

// checkKey rejects keys bbolt cannot hold and names with a NUL (the
// separator of profile keys).
func checkKey(what, k string) error {
	if k == "" || len(k) > 512 || strings.IndexByte(k, 0) >= 0 {
		return models.Errorf(models.EINVALID, "%s %q must be 1 to 512 bytes without NUL", what, k)
	}
	return nil
}

func profileKey(name string, version int) []byte {
	k := make([]byte, len(name)+5)
	copy(k, name)
	binary.BigEndian.PutUint32(k[len(name)+1:], uint32(version))
	return k
}
