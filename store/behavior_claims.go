package store

import (
	"context"
	"encoding/binary"
	"fmt"

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

// Admit implements the fraud rules' check (see models.Admission) in one
// transaction, coalesced with concurrent writers' (group commit).
func (e *Embedded) Admit(ctx context.Context, a models.Admission) (models.Admitted, error) {
	now := e.now().UnixMilli()
	var out models.Admitted
	err := e.update(func(tx *bolt.Tx) error {
		// (Batch may run fn more than once: start afresh each time.)
		out = models.Admitted{Seen: make([]bool, len(a.Seen)), First: make([]bool, len(a.Once)), Counts: make([]int64, len(a.Counters))}
		cb, nb := tx.Bucket(bucketClaims), tx.Bucket(bucketCounters)
		for i, k := range a.Seen {
			out.Seen[i] = claimLive(cb.Get([]byte(k)), now)
		}
		for i, k := range a.Once {
			if claimLive(cb.Get([]byte(k)), now) {
				continue
			}
			out.First[i] = true
			if err := cb.Put([]byte(k), be64(now+a.OnceTTL.Milliseconds())); err != nil {
				return err
			}
		}
		for i, k := range a.Counters {
			exp, n := now+a.CounterTTL.Milliseconds(), int64(0)
			if v := nb.Get([]byte(k)); len(v) == 16 {
				if old := int64(binary.BigEndian.Uint64(v)); old > now {
					exp, n = old, int64(binary.BigEndian.Uint64(v[8:]))
				}
			}
			n += a.AddOf(i)
			if err := nb.Put([]byte(k), binary.BigEndian.AppendUint64(be64(exp), uint64(n))); err != nil {
				return err
			}
			out.Counts[i] = n
		}
		return nil
	})
	if err != nil {
		return models.Admitted{}, fmt.Errorf("store: admit events: %w", err)
	}
	return out, nil
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
