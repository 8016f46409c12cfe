package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"shopsearch/models"
)

// The behaviour buckets of Embedded, created on the first write. Expiry
// times are Unix milliseconds; SweepBehavior deletes what has expired.
var (
	bucketRecent   = []byte("b_recent")   // actor sep type → recentValue (JSON)
	bucketExposure = []byte("b_exposure") // actor sep slot → item → expiry (JSON)
	bucketItems    = []byte("b_items")    // item sep day (int64 BE) → models.ItemCounts (JSON)
	bucketDirty    = []byte("b_dirty")    // item → last change (int64 BE)
	bucketDirtyAt  = []byte("b_dirty_at") // last change (int64 BE) + item → nothing
	bucketQueries  = []byte("b_queries")  // day (int64 BE) + query → count (int64 BE)
)

var behaviorBuckets = [][]byte{bucketRecent, bucketExposure, bucketItems, bucketDirty, bucketDirtyAt, bucketQueries,
	bucketClaims, bucketCounters}

type recentValue struct {
	At    int64             `json:"at"` // last write, ms
	Items []models.Behavior `json:"items"`
}

func be64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

func (e *Embedded) update(fn func(tx *bolt.Tx) error) error {
	// Batch coalesces concurrent writers into one transaction and one
	// fsync (group commit).
	return e.db.Batch(func(tx *bolt.Tx) error {
		for _, b := range behaviorBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// RecordBehavior applies the batch in one transaction.
//
// It also writes the fraud rules' changes of the Admit calls before it, so
// that they are durable with the events they admitted.
func (e *Embedded) RecordBehavior(ctx context.Context, b *models.BehaviorBatch) error {
	claims := e.pendingClaims()
	if b.Empty() && claims == nil {
		return nil
	}
	now := e.now().UnixMilli()
	items := mergeItems(b.Items)
	err := e.update(func(tx *bolt.Tx) error {
		if err := writeClaims(tx, claims); err != nil {
			return err
		}
		if err := recordRecent(tx.Bucket(bucketRecent), b.Recent, now); err != nil {
			return err
		}
		if err := recordExposures(tx.Bucket(bucketExposure), b.Exposures, now); err != nil {
			return err
		}
		if err := recordMarks(tx.Bucket(bucketClaims), b.Marks, now+b.MarkTTL.Milliseconds()); err != nil {
			return err
		}
		ib, dirty, dirtyAt := tx.Bucket(bucketItems), tx.Bucket(bucketDirty), tx.Bucket(bucketDirtyAt)
		for _, d := range items {
			k := append([]byte(d.Item+sep), be64(d.Day)...)
			var c models.ItemCounts
			if v := ib.Get(k); v != nil {
				if err := json.Unmarshal(v, &c); err != nil {
					return fmt.Errorf("item %q day %d: %w", d.Item, d.Day, err)
				}
			}
			addCounts(&c, d.Counts)
			v, _ := json.Marshal(c)
			if err := ib.Put(k, v); err != nil {
				return err
			}
			if old := dirty.Get([]byte(d.Item)); len(old) == 8 {
				if err := dirtyAt.Delete(append(bytes.Clone(old), d.Item...)); err != nil {
					return err
				}
			}
			if err := dirty.Put([]byte(d.Item), be64(now)); err != nil {
				return err
			}
			if err := dirtyAt.Put(append(be64(now), d.Item...), nil); err != nil {
				return err
			}
		}
		qb := tx.Bucket(bucketQueries)
		for _, q := range b.Queries {
			k := append(be64(q.Day), q.Query...)
			n := q.N
			if v := qb.Get(k); len(v) == 8 {
				n += int64(binary.BigEndian.Uint64(v))
			}
			if err := qb.Put(k, be64(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record behaviour: %w", err)
	}
	e.wroteClaims(claims)
	return nil
}

func recordRecent(bk *bolt.Bucket, entries []models.RecentEntry, now int64) error {
	// One read and one write per key: the entries of a key, in order.
	var keys []string
	byKey := map[string][]models.Behavior{}
	for _, r := range entries {
		k := r.Actor + sep + string(r.B.Type)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r.B)
	}
	for _, k := range keys {
		var v recentValue
		if old := bk.Get([]byte(k)); old != nil {
			if err := json.Unmarshal(old, &v); err != nil {
				return fmt.Errorf("recent %q: %w", k, err)
			}
			if v.At < now-RecentTTL.Milliseconds() {
				v.Items = nil
			}
		}
		add := byKey[k]
		items := make([]models.Behavior, 0, min(len(add)+len(v.Items), RecentLimit))
		for i := len(add) - 1; i >= 0 && len(items) < RecentLimit; i-- { // newest first
			items = append(items, add[i])
		}
		for _, b := range v.Items {
			if len(items) == RecentLimit {
				break
			}
			items = append(items, b)
		}
		v.At, v.Items = now, items
		data, _ := json.Marshal(v)
		if err := bk.Put([]byte(k), data); err != nil {
			return err
		}
	}
	return nil
}

func recordExposures(bk *bolt.Bucket, xs []models.Exposure, now int64) error {
	var keys []string
	byKey := map[string]map[string]int64{}
	for _, x := range xs {
		k := x.Actor + sep + x.Slot
		m, ok := byKey[k]
		if !ok {
			m = map[string]int64{}
			if old := bk.Get([]byte(k)); old != nil {
				if err := json.Unmarshal(old, &m); err != nil {
					return fmt.Errorf("exposure %q: %w", k, err)
				}
			}
			byKey[k], keys = m, append(keys, k)
		}
		m[x.Item] = max(m[x.Item], x.At.Add(x.TTL).UnixMilli())
	}
	for _, k := range keys {
		m := byKey[k]
		maps.DeleteFunc(m, func(_ string, exp int64) bool { return exp <= now })
		data, _ := json.Marshal(m)
		if err := bk.Put([]byte(k), data); err != nil {
			return err
		}
	}
	return nil
}

// RecentBehavior returns up to n of actor's latest events of type t,
// newest first.
func (e *Embedded) RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error) {
	var v recentValue
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRecent)
		if bk == nil {
			return nil
		}
		if data := bk.Get([]byte(actor + sep + string(t))); data != nil {
			return json.Unmarshal(data, &v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: recent behaviour: %w", err)
	}
	if v.At < e.now().UnixMilli()-RecentTTL.Milliseconds() {
		return nil, nil
	}
	return v.Items[:min(max(n, 0), len(v.Items))], nil
}

// Exposed returns the items shown to actor in slot that are not yet
// forgotten, latest expiry first.
func (e *Embedded) Exposed(ctx context.Context, actor, slot string) ([]string, error) {
	m := map[string]int64{}
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketExposure)
		if bk == nil {
			return nil
		}
		if data := bk.Get([]byte(actor + sep + slot)); data != nil {
			return json.Unmarshal(data, &m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: exposures: %w", err)
	}
	now := e.now().UnixMilli()
	maps.DeleteFunc(m, func(_ string, exp int64) bool { return exp <= now })
	return exposedOrder(m), nil
}

// exposedOrder sorts items by expiry, latest first, then by id.
func exposedOrder(m map[string]int64) []string {
	out := slices.Collect(maps.Keys(m))
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return out
}

// ItemWindows returns the 1-, 7- and 30-day counters of items as of the
// day today, in the order of items.
func (e *Embedded) ItemWindows(ctx context.Context, items []string, today int64) ([]models.ItemWindows, error) {
	out := make([]models.ItemWindows, len(items))
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketItems)
		for i, id := range items {
			out[i].ID = id
			if bk == nil {
				continue
			}
			prefix := []byte(id + sep)
			c := bk.Cursor()
			for k, v := c.Seek(append(bytes.Clone(prefix), be64(today-29)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(k) != len(prefix)+8 {
					continue
				}
				var cnt models.ItemCounts
				if err := json.Unmarshal(v, &cnt); err != nil {
					return fmt.Errorf("item %q: %w", id, err)
				}
				addWindows(&out[i], int64(binary.BigEndian.Uint64(k[len(prefix):])), today, cnt)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: item windows: %w", err)
	}
	return out, nil
}

// ChangedItems returns the items whose counters changed at or after since,
// by the store's clock.
func (e *Embedded) ChangedItems(ctx context.Context, since time.Time) ([]string, error) {
	var out []string
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDirtyAt)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, _ := c.Seek(be64(since.UnixMilli())); k != nil; k, _ = c.Next() {
			out = append(out, string(k[8:]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: changed items: %w", err)
	}
	return out, nil
}

// TopQueries returns the n most counted queries of the days days up to
// today, most counted first (then by query).
func (e *Embedded) TopQueries(ctx context.Context, today int64, days, n int) ([]models.QueryCount, error) {
	sums := map[string]int64{}
	err := e.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketQueries)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Seek(be64(today - int64(days) + 1)); k != nil; k, v = c.Next() {
			if int64(binary.BigEndian.Uint64(k)) > today || len(v) != 8 {
				break
			}
			sums[string(k[8:])] += int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: top queries: %w", err)
	}
	return topQueries(sums, n), nil
}

func topQueries(sums map[string]int64, n int) []models.QueryCount {
	out := make([]models.QueryCount, 0, len(sums))
	for q, c := range sums {
		out = append(out, models.QueryCount{Query: q, Count: c})
	}
	slices.SortFunc(out, func(a, b models.QueryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Query, b.Query))
	})
	return out[:min(max(n, 0), len(out))]
}

// SweepBehavior deletes what has expired by now: Redis does it with key
// TTLs, the embedded store when this is called (hourly by the ingester).
func (e *Embedded) SweepBehavior(ctx context.Context, now time.Time) error {
	ms := now.UnixMilli()
	if err := e.flushClaims(); err != nil {
		return err
	}
	oldDay := Day(now.Add(-DayTTL))
	err := e.update(func(tx *bolt.Tx) error {
		del := func(b []byte, expired func(k, v []byte) bool) error {
			bk := tx.Bucket(b)
			var keys [][]byte
			if err := bk.ForEach(func(k, v []byte) error {
				if expired(k, v) {
					keys = append(keys, bytes.Clone(k))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, k := range keys {
				if err := bk.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}
		at := func(v []byte) int64 {
			if len(v) < 8 {
				return 0
			}
			return int64(binary.BigEndian.Uint64(v))
		}
		return firstErr(
			func() error { return del(bucketQueries, func(k, _ []byte) bool { return at(k) < oldDay }) },
			func() error {
				return del(bucketItems, func(k, _ []byte) bool { return len(k) < 8 || at(k[len(k)-8:]) < oldDay })
			},
			func() error {
				return del(bucketDirty, func(_, v []byte) bool { return at(v) < ms-DayTTL.Milliseconds() })
			},
			func() error {
				return del(bucketDirtyAt, func(k, _ []byte) bool { return at(k) < ms-DayTTL.Milliseconds() })
			},
			func() error {
				return del(bucketClaims, func(_, v []byte) bool { return !claimLive(v, ms) })
			},
			func() error {
				return del(bucketCounters, func(_, v []byte) bool { return len(v) < 8 || !claimLive(v[:8], ms) })
			},
			func() error {
				return del(bucketRecent, func(_, v []byte) bool {
					var r recentValue
					return json.Unmarshal(v, &r) != nil || r.At < ms-RecentTTL.Milliseconds()
				})
			},
			func() error {
				return del(bucketExposure, func(_, v []byte) bool {
					m := map[string]int64{}
					if json.Unmarshal(v, &m) != nil {
						return true
					}
					for _, exp := range m {
						if exp > ms {
							return false
						}
					}
					return true
				})
			},
		)
	})
	if err != nil {
		return fmt.Errorf("store: sweep behaviour: %w", err)
	}
	return nil
}

func firstErr(fns ...func() error) error {
	for _, f := range fns {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}
