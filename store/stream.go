package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
)

// DefaultStreamMaxLen is how many entries the write stream keeps (about:
// XADD trims with MAXLEN ~, whole radix-tree nodes at a time). A replica
// down for longer than that many writes finds its position trimmed and
// says so (Stream.Check). At ~1 KB a product upserted and one product an
// entry that is ~100 MB of Redis memory; bulk writes make bigger entries.
const DefaultStreamMaxLen = 100_000

// Stream is the ordered log of the writes every replica applies — catalog
// upserts, deletes and patches, the suggest configuration, the slot pins'
// changes — in a Redis Stream (key prefix+"writes"; XADD, XREAD). Each
// entry has four fields: k, the kind of write; d, its payload (opaque
// bytes, encoded by its owner); w, the writer's token, by which the
// replica that appended an entry finds its own write (Replica.Write); n,
// its number, counted without gaps by prefix+"writes:n" in the same
// script as the XADD, by which a replica tells whether entries after its
// position were trimmed (Check: the stream ids alone cannot say, and Redis
// 7.0's max-deleted-entry-id ignores trimming). Redis is a maintained log
// for this job (ordered ids, blocking reads, bounded length); nothing else
// is needed for it.
type Stream struct {
	c      *redis.Client
	where  string
	key    string
	count  string // the entries' counter
	maxLen int64
}

// StreamEntry is one entry of the stream.
type StreamEntry struct {
	ID    string // the stream id, ms-seq
	N     uint64 // the entry's number: 1 for the first ever appended
	Kind  string
	Data  []byte
	Token string // the writer's token; "" for none
}

// appendEntry numbers and appends an entry. KEYS: the stream, the
// counter. ARGV: maxLen, kind, data, token. It returns the id.
var appendEntry = redis.NewScript(`
local n = redis.call('INCR', KEYS[2])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'k', ARGV[2], 'd', ARGV[3], 'w', ARGV[4], 'n', n)
`)

// Stream returns the write stream of r's Redis, trimmed to about maxLen
// entries (DefaultStreamMaxLen when maxLen ≤ 0). It shares r's connections.
func (r *Redis) Stream(maxLen int64) *Stream {
	if maxLen <= 0 {
		maxLen = DefaultStreamMaxLen
	}
	return &Stream{c: r.c, where: r.where, key: r.prefix + "writes", count: r.prefix + "writes:n", maxLen: maxLen}
}

// String names the stream: "redis stream host:port/db shopsearch:writes".
func (s *Stream) String() string { return "redis stream " + s.where + " " + s.key }

// Append adds an entry at the end of the stream and returns its id once
// Redis has it. When Redis cannot be reached the error has code
// models.EUNAVAILABLE: nothing was written.
func (s *Stream) Append(ctx context.Context, kind string, data []byte, token string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	id, err := appendEntry.Run(ctx, s.c, []string{s.key, s.count}, s.maxLen, kind, data, token).Text()
	if err != nil {
		return "", s.fail("append a write", err)
	}
	return id, nil
}

// Read returns up to count entries after the id after ("0-0": from the
// start), waiting up to block for the first when there is none yet (0:
// not at all). No entries and no error: none came.
func (s *Stream) Read(ctx context.Context, after string, count int64, block time.Duration) ([]StreamEntry, error) {
	if block <= 0 {
		ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
		defer cancel()
		res, err := s.c.XRangeN(ctx, s.key, "("+after, "+", count).Result()
		if err != nil {
			return nil, s.fail("read the writes", err)
		}
		return entries(res)
	}
	// A deadline, which the client turns into the socket's: a hung Redis
	// does not hold the reader past it.
	ctx, cancel := context.WithTimeout(ctx, block+redisOpTimeout)
	defer cancel()
	res, err := s.c.XRead(ctx, &redis.XReadArgs{Streams: []string{s.key, after}, Count: count, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read the writes", err)
	}
	if len(res) == 0 {
		return nil, nil
	}
	return entries(res[0].Messages)
}

func entries(msgs []redis.XMessage) ([]StreamEntry, error) {
	out := make([]StreamEntry, 0, len(msgs))
	for _, m := range msgs {
		kind, _ := m.Values["k"].(string)
		data, _ := m.Values["d"].(string)
		token, _ := m.Values["w"].(string)
		ns, _ := m.Values["n"].(string)
		n, err := strconv.ParseUint(ns, 10, 64)
		if kind == "" || err != nil {
			return nil, fmt.Errorf("store: stream entry %s has no kind or number", m.ID)
		}
		out = append(out, StreamEntry{ID: m.ID, N: n, Kind: kind, Data: []byte(data), Token: token})
	}
	return out, nil
}

// Position is where a replica stands in the stream: the id and number of
// the last entry it applied (the zero Position: none, the start).
type Position struct {
	ID string
	N  uint64
}

func (p Position) String() string {
	if p.ID == "" {
		return "0-0"
	}
	return p.ID
}

// Gap describes writes a replica can no longer read: the stream was trimmed
// (or lost) past its position.
type Gap struct {
	Position Position
	First    Position // the first entry still in the stream (zero when none)
}

func (g *Gap) Error() string {
	if g.First.N == 0 || g.First.N <= g.Position.N {
		return fmt.Sprintf("the write stream no longer reaches back to this replica's position %s (Redis lost it: restarted without persistence, or flushed); writes after it may be missing here",
			g.Position)
	}
	return fmt.Sprintf("the write stream was trimmed past this replica's position %s (entry %d); the first kept is %s (entry %d), so %d writes are missing here",
		g.Position, g.Position.N, g.First, g.First.N, g.First.N-g.Position.N-1)
}

// Check reports whether a replica at pos can still read every entry after
// it: nil when it can, a *Gap when entries after pos were trimmed (the
// first entry kept is after pos and numbered more than one past it) or the
// stream was lost since (gone, or numbered afresh).
func (s *Stream) Check(ctx context.Context, pos Position) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	first, err := s.c.XRangeN(ctx, s.key, "-", "+", 1).Result()
	if err != nil {
		return s.fail("read the stream's first entry", err)
	}
	if len(first) == 0 {
		if pos.N > 0 {
			return &Gap{Position: pos}
		}
		return nil
	}
	es, err := entries(first)
	if err != nil {
		return err
	}
	f := Position{ID: es[0].ID, N: es[0].N}
	switch {
	case CompareIDs(f.ID, pos.ID) <= 0:
		return nil // every entry after pos is there
	case f.N <= pos.N, f.N > pos.N+1:
		return &Gap{Position: pos, First: f}
	}
	return nil
}

// Last returns the id of the last entry ever appended ("0-0" for none).
func (s *Stream) Last(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	info, err := s.c.XInfoStream(ctx, s.key).Result()
	if err != nil && strings.Contains(err.Error(), "no such key") {
		return "0-0", nil
	}
	if err != nil {
		return "", s.fail("read the stream's state", err)
	}
	return info.LastGeneratedID, nil
}

// Trim drops the entries before minID (XTRIM MINID, exact), for tests and
// operators who bound the stream by age rather than length.
func (s *Stream) Trim(ctx context.Context, minID string) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	if err := s.c.XTrimMinID(ctx, s.key, minID).Err(); err != nil {
		return s.fail("trim the stream", err)
	}
	return nil
}

// fail wraps an error of Redis as Redis.fail does, with a message for the
// catalog writer whose write was refused.
func (s *Stream) fail(what string, err error) error {
	if !unavailable(err) {
		return fmt.Errorf("store: %s: %s: %w", s, what, err)
	}
	return fmt.Errorf("store: %s: %s: %w: %w", s, what, models.Errorf(models.EUNAVAILABLE,
		"catalog and configuration writes go through the replication stream in Redis, which is unreachable, so nothing was written on any replica; searches go on; try again when it is back"),
		err)
}

// CompareIDs orders two stream ids ("ms-seq"; "" and malformed ids count
// as 0-0).
func CompareIDs(a, b string) int {
	am, as := splitID(a)
	bm, bs := splitID(b)
	switch {
	case am != bm:
		if am < bm {
			return -1
		}
		return 1
	case as != bs:
		if as < bs {
			return -1
		}
		return 1
	}
	return 0
}

func splitID(id string) (uint64, uint64) {
	m, s, ok := parseID(id)
	if !ok {
		return 0, 0
	}
	return m, s
}
