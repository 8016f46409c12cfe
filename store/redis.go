package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"shopsearch/models"
)

// DefaultRedisPrefix is what every key of a Redis store starts with unless
// its URL says otherwise (?prefix=).
const DefaultRedisPrefix = "shopsearch:"

// Timeouts of the Redis store: connecting at open, when the caller's
// context has no deadline, and every operation (its methods take no
// context).
const (
	redisOpenTimeout = 5 * time.Second
	redisOpTimeout   = 5 * time.Second
)

// Redis is the store in a Redis server, for several replicas to share. It
// has the methods and the semantics of Embedded (the storetest suite checks
// both) and is safe for concurrent use. Its keys, under the prefix:
//
//	profiles         hash: name NUL version (uint32, big-endian) → JSON
//	profiles:latest  hash: name → latest version, decimal
//	rules            hash: id → JSON
//	settings         hash: key → JSON
//	version          the change counter: INCR by every write (Version)
//
// When Redis cannot be reached, its methods fail with code
// models.EUNAVAILABLE.
type Redis struct {
	c     *redis.Client
	where string // host:port/db, for messages; never the URL, which may hold a password

	profiles, latest, rules, settings, version string           // keys
	prefix                                     string           // of every key; the behaviour keys are built from it
	refreshed                                  ttlCache         // when this client last set a long-lived behaviour key's TTL (behavior_redis.go)
	now                                        func() time.Time // the clock (WithClock)
}

// OpenRedis connects to the Redis at rawURL (see NewRedis) and checks that
// it answers (Ping), within ctx or 5 seconds when ctx has no deadline.
func OpenRedis(ctx context.Context, rawURL string, opts ...Option) (*Redis, error) {
	r, err := NewRedis(rawURL, opts...)
	if err != nil {
		return nil, err
	}
	if err := r.Ping(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// NewRedis returns a store on the Redis at rawURL —
// redis://[[user]:password@]host:port/db or rediss:// for TLS, with
// go-redis's options (redis.ParseURL) and one of its own, prefix=, the
// keys' prefix (default DefaultRedisPrefix) — without contacting it: only
// a malformed URL is an error. Its methods connect when called, so a store
// made while Redis is down works once it is back (serve starts degraded
// that way; doc/reliability.md).
func NewRedis(rawURL string, opts ...Option) (*Redis, error) {
	o := buildOptions(opts)
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the URL, password and all
			err = ue.Err
		}
		return nil, fmt.Errorf("store: redis URL: %w", err)
	}
	prefix := DefaultRedisPrefix
	if q := u.Query(); q.Has("prefix") {
		prefix = q.Get("prefix")
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("store: redis URL: %w", err)
	}
	// A plain Redis has no maintenance notifications; asking for them on
	// every connection only costs a round trip.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	// One dial per try: a command's own retries (max_retries) back off
	// between tries already, and a write refused while Redis is down
	// should say so in well under a second, not after 5 dials per try.
	opt.DialerRetries = 1
	// Honour the callers' deadlines (each operation has one, see
	// redisOpTimeout; the event intake's are shorter), not only the
	// socket timeouts: a Redis that hangs must not hold a request longer.
	opt.ContextTimeoutEnabled = true
	return &Redis{
		c:        redis.NewClient(opt),
		where:    fmt.Sprintf("%s/%d", opt.Addr, opt.DB),
		profiles: prefix + "profiles",
		latest:   prefix + "profiles:latest",
		rules:    prefix + "rules",
		settings: prefix + "settings",
		version:  prefix + "version",
		prefix:   prefix,
		now:      o.now,
	}, nil
}

// Ping checks that Redis answers, within ctx or 5 seconds when ctx has no
// deadline. When it cannot be reached the error has code
// models.EUNAVAILABLE and says "unreachable"; a Redis that answers but
// refuses the client (a wrong password) is another error.
func (r *Redis) Ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, redisOpenTimeout)
		defer cancel()
	}
	if err := r.c.Ping(ctx).Err(); err != nil {
		if unavailable(err) {
			return fmt.Errorf("store: redis at %s is unreachable: %w: %w", r.where,
				models.Errorf(models.EUNAVAILABLE, "Redis at %s is unreachable", r.where), err)
		}
		return fmt.Errorf("store: redis at %s refused the connection: %w", r.where, err) // e.g. a wrong password
	}
	return nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.c.Close() }

// String says where the store is: "redis host:port/db".
func (r *Redis) String() string { return "redis " + r.where }

// appendScript appends a profile version when it is the latest plus one.
// KEYS: profiles, profiles:latest, version. ARGV: name, version, field,
// data. It returns {1, latest} when stored, {0, latest} when refused.
var appendScript = redis.NewScript(`
local latest = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) ~= latest + 1 then
  return {0, latest}
end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[3])
return {1, latest}
`)

// deleteScript removes a hash field, counting a change only when there was
// one. KEYS: the hash, version. ARGV: the field.
var deleteScript = redis.NewScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('INCR', KEYS[2])
end
return 0
`)

// AppendProfile stores version of the profile name. version must be one
// more than the latest stored version of name (1 for a new name); otherwise
// the error has code models.ECONFLICT. The check and the write are one Lua
// script, so two replicas cannot both append the same version.
func (r *Redis) AppendProfile(name string, version int, data []byte) error {
	if err := checkKey("profile name", name); err != nil {
		return err
	}
	if version < 1 || version > 1<<31 {
		return models.Errorf(models.EINVALID, "profile %q: version %d is out of range", name, version)
	}
	ctx, cancel := opContext()
	defer cancel()
	res, err := appendScript.Run(ctx, r.c, []string{r.profiles, r.latest, r.version},
		name, version, profileKey(name, version), data).Int64Slice()
	if err != nil {
		return r.fail("append profile "+strconv.Quote(name), err)
	}
	if len(res) != 2 {
		return fmt.Errorf("store: redis: append profile %q: unexpected reply %v", name, res)
	}
	if res[0] != 1 {
		return models.Errorf(models.ECONFLICT, "profile %q is at version %d, so version %d cannot be appended; reload and retry",
			name, res[1], version)
	}
	return nil
}

// ProfileVersions calls fn with every stored version of every profile, by
// name and then version, after reading them (fn may use the store).
func (r *Redis) ProfileVersions(fn func(name string, version int, data []byte) error) error {
	ctx, cancel := opContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, r.profiles).Result()
	if err != nil {
		return r.fail("read profiles", err)
	}
	type row struct {
		name    string
		version int
		data    []byte
	}
	rows := make([]row, 0, len(all))
	for k, v := range all {
		i := strings.IndexByte(k, 0)
		if i < 0 || len(k) != i+5 {
			return fmt.Errorf("store: redis: malformed profile field %q", k)
		}
		rows = append(rows, row{k[:i], int(binary.BigEndian.Uint32([]byte(k[i+1:]))), []byte(v)})
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(a.version, b.version))
	})
	for _, x := range rows {
		if err := fn(x.name, x.version, x.data); err != nil {
			return err
		}
	}
	return nil
}

// PutRule stores (or replaces) the rule with id.
func (r *Redis) PutRule(id string, data []byte) error {
	if err := checkKey("rule id", id); err != nil {
		return err
	}
	return r.put(r.rules, "save rule "+strconv.Quote(id), id, data)
}

// DeleteRule removes the rule with id; removing an absent rule is not an
// error (nor a change).
func (r *Redis) DeleteRule(id string) error {
	ctx, cancel := opContext()
	defer cancel()
	if err := deleteScript.Run(ctx, r.c, []string{r.rules, r.version}, id).Err(); err != nil {
		return r.fail("delete rule "+strconv.Quote(id), err)
	}
	return nil
}

// Rules calls fn with every rule, by id, after reading them (fn may use
// the store).
func (r *Redis) Rules(fn func(id string, data []byte) error) error {
	ctx, cancel := opContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, r.rules).Result()
	if err != nil {
		return r.fail("read rules", err)
	}
	for _, id := range slices.Sorted(maps.Keys(all)) {
		if err := fn(id, []byte(all[id])); err != nil {
			return err
		}
	}
	return nil
}

// PutSetting stores (or replaces) the setting key.
func (r *Redis) PutSetting(key string, data []byte) error {
	if err := checkKey("setting key", key); err != nil {
		return err
	}
	return r.put(r.settings, "save setting "+strconv.Quote(key), key, data)
}

// Setting returns the setting key, nil when it was never stored.
func (r *Redis) Setting(key string) ([]byte, error) {
	ctx, cancel := opContext()
	defer cancel()
	v, err := r.c.HGet(ctx, r.settings, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, r.fail("read setting "+strconv.Quote(key), err)
	}
	return v, nil
}

// Version returns the change counter: it grows with every write to the
// store, by any replica, and is 0 for a new one. Replicas poll it to know
// when to reload.
func (r *Redis) Version(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	v, err := r.c.Get(ctx, r.version).Uint64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, r.fail("read the version", err)
	}
	return v, nil
}

// put sets a hash field and counts the change, in one MULTI/EXEC.
func (r *Redis) put(hash, what, field string, data []byte) error {
	ctx, cancel := opContext()
	defer cancel()
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, hash, field, data)
		p.Incr(ctx, r.version)
		return nil
	})
	if err != nil {
		return r.fail(what, err)
	}
	return nil
}

// fail wraps an error of Redis: one of reaching it (the connection, a
// timeout, a server loading or read-only) gets code models.EUNAVAILABLE
// and a message for the admin whose change was refused; others stay
// internal errors.
func (r *Redis) fail(what string, err error) error {
	if !unavailable(err) {
		return fmt.Errorf("store: redis at %s: %s: %w", r.where, what, err)
	}
	return fmt.Errorf("store: redis at %s: %s: %w: %w", r.where, what, models.Errorf(models.EUNAVAILABLE,
		"the shared store of profiles and rules (Redis) is unreachable, so changes cannot be saved; searches go on with what was loaded; try again when it is back"),
		err)
}

// unavailable reports whether err is about reaching Redis rather than a
// reply refusing the command.
func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return true // the network, a timeout, a closed client
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsMasterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsClusterDownError(err) || redis.IsMaxClientsError(err) ||
		redis.HasErrorPrefix(err, "BUSY")
}

func opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), redisOpTimeout)
}
