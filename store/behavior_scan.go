package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"shopsearch/models"
)

// ScanRecent calls fn with every actor that has recent behaviour of type t
// that has not expired, and that behaviour, newest first, until fn returns
// an error (which it returns). Actors come in no particular order. It is
// what a retraining of the recommendation models reads
// (recall.StoreSessions); fn must not write to the store.
func (e *Embedded) ScanRecent(ctx context.Context, t models.EventType, fn func(actor string, bs []models.Behavior) error) error {
	suffix := sep + string(t)
	oldest := e.now().UnixMilli() - RecentTTL.Milliseconds()
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRecent)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, data []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			actor, ok := strings.CutSuffix(string(k), suffix)
			if !ok {
				return nil
			}
			var v recentValue
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("recent %q: %w", k, err)
			}
			if v.At < oldest || len(v.Items) == 0 {
				return nil
			}
			return fn(actor, v.Items)
		})
	})
	if err != nil {
		return fmt.Errorf("store: scan recent behaviour: %w", err)
	}
	return nil
}

// scanBatch is how many keys one SCAN step of Redis.ScanRecent asks for.
const scanBatch = 500

// ScanRecent is Embedded.ScanRecent over Redis: it SCANs the recent keys of
// type t under the prefix and reads each step's lists in one pipeline.
func (r *Redis) ScanRecent(ctx context.Context, t models.EventType, fn func(actor string, bs []models.Behavior) error) error {
	head, suffix := r.bkey("r", ""), sep+string(t)
	match := globEscape(head) + "*" + globEscape(suffix)
	var cursor uint64
	for {
		keys, next, err := r.c.Scan(ctx, cursor, match, scanBatch).Result()
		if err != nil {
			return r.failBehavior("scan recent behaviour", err)
		}
		if len(keys) > 0 {
			p := r.c.Pipeline()
			lists := make([]*redis.StringSliceCmd, len(keys))
			for i, k := range keys {
				lists[i] = p.LRange(ctx, k, 0, -1)
			}
			if _, err := p.Exec(ctx); err != nil {
				return r.failBehavior("scan recent behaviour", err)
			}
			for i, k := range keys {
				actor := strings.TrimSuffix(strings.TrimPrefix(k, head), suffix)
				bs := make([]models.Behavior, 0, len(lists[i].Val()))
				for _, v := range lists[i].Val() {
					var b models.Behavior
					if err := json.Unmarshal([]byte(v), &b); err != nil {
						return fmt.Errorf("store: redis: recent behaviour of %q: %w", actor, err)
					}
					bs = append(bs, b)
				}
				if len(bs) == 0 {
					continue
				}
				if err := fn(actor, bs); err != nil {
					return err
				}
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape escapes the pattern characters of Redis's glob in s.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\^`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
