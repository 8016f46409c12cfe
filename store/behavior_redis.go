package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
)

// The behaviour keys of Redis, under the prefix; every one has a TTL
// (doc/events.md):
//
//	b:r:ACTOR␟TYPE  list of JSON models.Behavior, newest first, RecentLimit long, RecentTTL
//	b:x:ACTOR␟SLOT  zset item → expiry (Unix ms); TTL of the latest exposure
//	b:i:ITEM        hash DAY:METRIC → count; DayTTL after the last write
//	b:ds:SECOND     set of the items changed in that second (Unix); changedSecondsTTL
//	b:dd:DAY        set of the items changed that day; DayTTL
//	b:q:DAY         zset query → count; DayTTL
//	b:o:KEY         fraud claims (SET NX PX)
//	b:c:KEY         fraud counters (INCR; EXPIRE NX)
func (r *Redis) bkey(kind, k string) string { return r.prefix + "b:" + kind + ":" + k }

// Admit implements the fraud rules' check (see models.Admission) in one pipeline.
func (r *Redis) Admit(ctx context.Context, a models.Admission) (models.Admitted, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	exists := make([]*redis.IntCmd, len(a.Seen))
	sets := make([]*redis.BoolCmd, len(a.Once))
	// One INCRBY per distinct counter: an increment of a key in the
	// admission sees the value before it plus the increments up to it.
	nth := make([]int64, len(a.Counters)) // the key's increments up to and with this one
	adds := map[string]int64{}
	var keys []string
	for i, k := range a.Counters {
		if adds[k] == 0 {
			keys = append(keys, k)
		}
		adds[k] += a.AddOf(i)
		nth[i] = adds[k]
	}
	incrs := make(map[string]*redis.IntCmd, len(keys))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range a.Seen {
			exists[i] = p.Exists(ctx, r.bkey("o", k))
		}
		for i, k := range a.Once {
			sets[i] = p.SetNX(ctx, r.bkey("o", k), 1, a.OnceTTL)
		}
		for _, k := range keys {
			incrs[k] = p.IncrBy(ctx, r.bkey("c", k), adds[k])
			p.ExpireNX(ctx, r.bkey("c", k), a.CounterTTL)
		}
		return nil
	})
	if err != nil {
		return models.Admitted{}, r.failBehavior("admit events", err)
	}
	out := models.Admitted{Seen: make([]bool, len(exists)), First: make([]bool, len(sets)), Counts: make([]int64, len(a.Counters))}
	for i, c := range exists {
		out.Seen[i] = c.Val() == 1
	}
	for i, c := range sets {
		out.First[i] = c.Val()
	}
	for i, k := range a.Counters {
		out.Counts[i] = incrs[k].Val() - adds[k] + nth[i]
	}
	return out, nil
}

// RecordBehavior applies the batch in one pipeline: a transaction
// (MULTI/EXEC) when it has marks, so that the marks of the events applied
// are written if and only if the events are; otherwise not (a failure part
// way is retried whole by the ingester's buffer, which can count a few
// events twice — see doc/events.md).
func (r *Redis) RecordBehavior(ctx context.Context, b *models.BehaviorBatch) error {
	if b.Empty() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	now := r.now()
	pipelined := r.c.Pipelined
	if len(b.Marks) > 0 {
		pipelined = r.c.TxPipelined
	}
	_, err := pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range b.Marks {
			p.Set(ctx, r.bkey("o", k), 1, b.MarkTTL)
		}
		// Recent: one LPUSH per key, in the batch's order (the last is the
		// head), then trim and expire.
		var order []string
		recent := map[string][]any{}
		for _, e := range b.Recent {
			k := r.bkey("r", e.Actor+sep+string(e.B.Type))
			data, _ := json.Marshal(e.B)
			if _, ok := recent[k]; !ok {
				order = append(order, k)
			}
			recent[k] = append(recent[k], data)
		}
		for _, k := range order {
			p.LPush(ctx, k, recent[k]...)
			p.LTrim(ctx, k, 0, RecentLimit-1)
			if r.refreshed.due(k, now) {
				p.PExpire(ctx, k, RecentTTL)
			}
		}
		ttls := map[string]time.Duration{}
		order = order[:0]
		for _, x := range b.Exposures {
			k := r.bkey("x", x.Actor+sep+x.Slot)
			p.ZAddGT(ctx, k, redis.Z{Score: float64(x.At.Add(x.TTL).UnixMilli()), Member: x.Item})
			if _, ok := ttls[k]; !ok {
				order = append(order, k)
			}
			ttls[k] = max(ttls[k], x.TTL)
		}
		for _, k := range order {
			p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
			p.PExpire(ctx, k, ttls[k])
		}
		var dirty []any
		seen := map[string]bool{}
		for _, d := range mergeItems(b.Items) {
			k := r.bkey("i", d.Item)
			day := strconv.FormatInt(d.Day, 10) + ":"
			for _, m := range metrics {
				v := m.get(&d.Counts)
				switch {
				case v == 0:
				case m.name == "amt":
					p.HIncrByFloat(ctx, k, day+m.name, v)
				default:
					p.HIncrBy(ctx, k, day+m.name, int64(v))
				}
			}
			if !seen[k] {
				seen[k] = true
				if r.refreshed.due(k, now) {
					p.Expire(ctx, k, DayTTL)
				}
				dirty = append(dirty, d.Item)
			}
		}
		if len(dirty) > 0 { // sets, not a sorted set: SADD is O(1) a member
			sec, day := r.bkey("ds", strconv.FormatInt(now.Unix(), 10)), r.bkey("dd", strconv.FormatInt(Day(now), 10))
			p.SAdd(ctx, sec, dirty...)
			p.Expire(ctx, sec, changedSecondsTTL)
			p.SAdd(ctx, day, dirty...)
			if r.refreshed.due(day, now) {
				p.Expire(ctx, day, DayTTL)
			}
		}
		clear(seen)
		for _, q := range b.Queries {
			k := r.bkey("q", strconv.FormatInt(q.Day, 10))
			p.ZIncrBy(ctx, k, float64(q.N), q.Query)
			if !seen[k] && r.refreshed.due(k, now) {
				seen[k] = true
				p.Expire(ctx, k, DayTTL)
			}
		}
		return nil
	})
	if err != nil {
		return r.failBehavior("record behaviour", err)
	}
	return nil
}

// ttlCache remembers when this client last set the TTL of a long-lived
// key (30 or 31 days), so that it sets it again at most every
// refreshEvery rather than at every write: a TTL of a month refreshed
// within the hour is as good, and a key Redis lost and recreated gets its
// TTL within the hour. Bounded: it forgets everything past maxRefreshed
// keys.
type ttlCache struct {
	mu sync.Mutex
	at map[string]time.Time
}

const (
	refreshEvery = time.Hour
	maxRefreshed = 1 << 20
)

// due reports whether key's TTL should be set now, and if so notes it.
func (c *ttlCache) due(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.at[key]; ok && now.Sub(t) < refreshEvery {
		return false
	}
	if c.at == nil || len(c.at) >= maxRefreshed {
		c.at = make(map[string]time.Time)
	}
	c.at[key] = now
	return true
}

// RecentBehavior returns up to n of actor's latest events of type t,
// newest first.
func (r *Redis) RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error) {
	if n <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	vals, err := r.c.LRange(ctx, r.bkey("r", actor+sep+string(t)), 0, int64(n-1)).Result()
	if err != nil {
		return nil, r.failBehavior("read recent behaviour", err)
	}
	out := make([]models.Behavior, 0, len(vals))
	for _, v := range vals {
		var b models.Behavior
		if err := json.Unmarshal([]byte(v), &b); err != nil {
			return nil, fmt.Errorf("store: redis: recent behaviour of %q: %w", actor, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Exposed returns the items shown to actor in slot that are not yet
// forgotten, latest expiry first.
func (r *Redis) Exposed(ctx context.Context, actor, slot string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	zs, err := r.c.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: r.bkey("x", actor+sep+slot),
		Start: "+inf", Stop: "(" + strconv.FormatInt(r.now().UnixMilli(), 10), ByScore: true, Rev: true}).Result()
	if err != nil {
		return nil, r.failBehavior("read exposures", err)
	}
	m := make(map[string]int64, len(zs))
	for _, z := range zs {
		m[z.Member.(string)] = int64(z.Score)
	}
	return exposedOrder(m), nil
}

// ItemWindows returns the 1-, 7- and 30-day counters of items as of the
// day today, in the order of items, in one pipeline; it deletes the
// counters of days older than the windows that it reads.
func (r *Redis) ItemWindows(ctx context.Context, items []string, today int64) ([]models.ItemWindows, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	cmds := make([]*redis.MapStringStringCmd, len(items))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range items {
			cmds[i] = p.HGetAll(ctx, r.bkey("i", id))
		}
		return nil
	})
	if err != nil {
		return nil, r.failBehavior("read item counters", err)
	}
	out := make([]models.ItemWindows, len(items))
	stale := map[string][]string{}
	for i, c := range cmds {
		out[i].ID = items[i]
		days := map[int64]*models.ItemCounts{}
		for f, v := range c.Val() {
			ds, name, ok := strings.Cut(f, ":")
			day, err := strconv.ParseInt(ds, 10, 64)
			x, err2 := strconv.ParseFloat(v, 64)
			if !ok || err != nil || err2 != nil {
				continue
			}
			if today-day >= 30 {
				stale[items[i]] = append(stale[items[i]], f)
				continue
			}
			cnt := days[day]
			if cnt == nil {
				cnt = &models.ItemCounts{}
				days[day] = cnt
			}
			for _, m := range metrics {
				if m.name == name {
					m.set(cnt, x)
				}
			}
		}
		for day, cnt := range days {
			addWindows(&out[i], day, today, *cnt)
		}
	}
	if len(stale) > 0 {
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for id, fs := range stale {
				p.HDel(ctx, r.bkey("i", id), fs...)
			}
			return nil
		})
		if err != nil {
			return nil, r.failBehavior("trim item counters", err)
		}
	}
	return out, nil
}

// changedSecondsTTL is how long the per-second sets of changed items
// live; ChangedItems reads further back from the per-day sets.
const changedSecondsTTL = time.Hour

// ChangedItems returns the items whose counters changed at or after since
// — and maybe some changed up to a second before it (by seconds), or that
// day (by days, when since is over changedSecondsTTL ago) — by the clocks
// of the writers; since is at most DayTTL ago.
func (r *Redis) ChangedItems(ctx context.Context, since time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	now := r.now()
	if floor := now.Add(-DayTTL); since.Before(floor) {
		since = floor
	}
	var keys []string
	if now.Sub(since) < changedSecondsTTL-time.Minute {
		for sec := since.Unix(); sec <= now.Unix()+5; sec++ { // +5: writers' clocks ahead
			keys = append(keys, r.bkey("ds", strconv.FormatInt(sec, 10)))
		}
	} else {
		for day := Day(since); day <= Day(now)+1; day++ {
			keys = append(keys, r.bkey("dd", strconv.FormatInt(day, 10)))
		}
	}
	ids, err := r.c.SUnion(ctx, keys...).Result()
	if err != nil {
		return nil, r.failBehavior("read changed items", err)
	}
	return ids, nil
}

// TopQueries returns the n most counted queries of the days days up to
// today, most counted first (then by query).
func (r *Redis) TopQueries(ctx context.Context, today int64, days, n int) ([]models.QueryCount, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	keys := make([]string, 0, days)
	for d := today - int64(days) + 1; d <= today; d++ {
		keys = append(keys, r.bkey("q", strconv.FormatInt(d, 10)))
	}
	if len(keys) == 0 {
		return nil, nil
	}
	zs, err := r.c.ZUnionWithScores(ctx, redis.ZStore{Keys: keys}).Result()
	if err != nil {
		return nil, r.failBehavior("read query counts", err)
	}
	sums := make(map[string]int64, len(zs))
	for _, z := range zs {
		sums[z.Member.(string)] = int64(z.Score)
	}
	return topQueries(sums, n), nil
}

// SweepBehavior does nothing: every behaviour key of Redis expires by
// itself.
func (r *Redis) SweepBehavior(ctx context.Context, now time.Time) error { return nil }

// failBehavior wraps an error of Redis as fail does, for behaviour data.
func (r *Redis) failBehavior(what string, err error) error {
	if !unavailable(err) {
		return fmt.Errorf("store: redis at %s: %s: %w", r.where, what, err)
	}
	return fmt.Errorf("store: redis at %s: %s: %w: %w", r.where, what,
		models.Errorf(models.EUNAVAILABLE, "the behaviour store (Redis) is unreachable"), err)
}
