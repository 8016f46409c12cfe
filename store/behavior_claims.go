package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"

	"shopsearch/models"
)

// The fraud rules' state in the embedded store: claims and daily counters
// with their expiry times (Unix ms), in bbolt so that a restart keeps the
// same limits in force (a bot cannot reset its budget by waiting for a
// deploy). SweepBehavior deletes the expired.
var (
	bucketClaims   = []byte("b_claims")   // key → expiry (int64 BE)
	bucketCounters = []byte("b_counters") // key → expiry, count (2 × int64 BE)
)

// claimState is what Admit changed and no transaction has written yet:
// Admit reads the file in a read-only transaction (no fsync) over these,
// and the next RecordBehavior — which the ingester always calls after an
// Admit — writes them in its transaction, so that an admission costs no
// commit of its own and is durable with the events it admitted.
type claimState struct {
	mu      sync.Mutex
	gen     uint64
	pending map[string]pendingClaim // bucket name NUL key → value
}

type pendingClaim struct {
	v   []byte
	gen uint64 // of the Admit that set it
}

func pendingKey(bucket []byte, k string) string { return string(bucket) + "\x00" + k }

// Admit implements the fraud rules' check (see models.Admission).
func (e *Embedded) Admit(ctx context.Context, a models.Admission) (models.Admitted, error) {
	now := e.now().UnixMilli()
	out := models.Admitted{Seen: make([]bool, len(a.Seen)), First: make([]bool, len(a.Once)), Counts: make([]int64, len(a.Counters))}
	c := &e.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]pendingClaim{}
	}
	c.gen++
	err := e.db.View(func(tx *bolt.Tx) error {
		cb, nb := tx.Bucket(bucketClaims), tx.Bucket(bucketCounters)
		get := func(b *bolt.Bucket, name []byte, k string) []byte {
			if p, ok := c.pending[pendingKey(name, k)]; ok {
				return p.v
			}
			if b == nil {
				return nil
			}
			return b.Get([]byte(k))
		}
		for i, k := range a.Seen {
			out.Seen[i] = claimLive(get(cb, bucketClaims, k), now)
		}
		for i, k := range a.Once {
			if claimLive(get(cb, bucketClaims, k), now) {
				continue
			}
			out.First[i] = true
			c.pending[pendingKey(bucketClaims, k)] = pendingClaim{be64(now + a.OnceTTL.Milliseconds()), c.gen}
		}
		for i, k := range a.Counters {
			exp, n := now+a.CounterTTL.Milliseconds(), int64(0)
			if v := get(nb, bucketCounters, k); len(v) == 16 {
				if old := int64(binary.BigEndian.Uint64(v)); old > now {
					exp, n = old, int64(binary.BigEndian.Uint64(v[8:]))
				}
			}
			n += a.AddOf(i)
			c.pending[pendingKey(bucketCounters, k)] = pendingClaim{binary.BigEndian.AppendUint64(be64(exp), uint64(n)), c.gen}
			out.Counts[i] = n
		}
		return nil
	})
	if err != nil {
		return models.Admitted{}, fmt.Errorf("store: admit events: %w", err)
	}
	return out, nil
}

// pendingClaims returns what Admit changed since the last write.
func (e *Embedded) pendingClaims() map[string]pendingClaim {
	c := &e.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	out := make(map[string]pendingClaim, len(c.pending))
	for k, v := range c.pending {
		out[k] = v
	}
	return out
}

// writeClaims writes what pendingClaims returned in tx.
func writeClaims(tx *bolt.Tx, p map[string]pendingClaim) error {
	for k, v := range p {
		i := 0
		for k[i] != 0 {
			i++
		}
		if err := tx.Bucket([]byte(k[:i])).Put([]byte(k[i+1:]), v.v); err != nil {
			return err
		}
	}
	return nil
}

// wroteClaims forgets the pending changes that a committed transaction
// wrote, unless an Admit changed them again since.
func (e *Embedded) wroteClaims(p map[string]pendingClaim) {
	c := &e.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range p {
		if c.pending[k].gen == v.gen {
			delete(c.pending, k)
		}
	}
}

// flushClaims writes the pending changes in a transaction of their own
// (at Close and before a sweep).
func (e *Embedded) flushClaims() error {
	p := e.pendingClaims()
	if p == nil {
		return nil
	}
	if err := e.update(func(tx *bolt.Tx) error { return writeClaims(tx, p) }); err != nil {
		return fmt.Errorf("store: write the fraud rules' state: %w", err)
	}
	e.wroteClaims(p)
	return nil
}

// recordMarks writes the batch's marks as claims.
func recordMarks(cb *bolt.Bucket, marks []string, exp int64) error {
	for _, k := range marks {
		if err := cb.Put([]byte(k), be64(exp)); err != nil {
			return err
		}
	}
	return nil
}

func claimLive(v []byte, now int64) bool {
	return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now
}
