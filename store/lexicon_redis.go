package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
)

// Redis keys of the lexicon document, under the prefix:
//
//	lexicon          hash: version (uint32, big-endian) → JSON
//	lexicon:latest   hash: "lexicon" → latest version, decimal
//
// Appends count in the shared change counter (version), which replicas poll.
const (
	redisLexicon       = "lexicon"
	redisLexiconLatest = "lexicon:latest"
)

// AppendLexicon stores version of the lexicon document; it has the
// semantics of Embedded.AppendLexicon. The check and the write are one Lua
// script (the profiles' one), so two replicas cannot both append a version.
func (r *Redis) AppendLexicon(version int, data []byte) error {
	if version < 1 || version > maxLexiconVersion {
		return models.Errorf(models.EINVALID, "lexicon: version %d is out of range", version)
	}
	ctx, cancel := opContext()
	defer cancel()
	res, err := appendScript.Run(ctx, r.c, []string{r.prefix + redisLexicon, r.prefix + redisLexiconLatest, r.version},
		"lexicon", version, lexiconKey(version), data).Int64Slice()
	if err != nil {
		return r.fail("append a lexicon version", err)
	}
	if len(res) != 2 {
		return fmt.Errorf("store: redis: append lexicon: unexpected reply %v", res)
	}
	if res[0] != 1 {
		return models.Errorf(models.ECONFLICT, "the lexicon is at version %d, so version %d cannot be appended; reload and retry",
			res[1], version)
	}
	return nil
}

// LexiconVersions calls fn with every stored version of the lexicon
// document, oldest first, after reading them (fn may use the store).
func (r *Redis) LexiconVersions(fn func(version int, data []byte) error) error {
	ctx, cancel := opContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, r.prefix+redisLexicon).Result()
	if err != nil {
		return r.fail("read the lexicon", err)
	}
	type row struct {
		version int
		data    []byte
	}
	rows := make([]row, 0, len(all))
	for k, v := range all {
		if len(k) != 4 {
			return fmt.Errorf("store: redis: malformed lexicon field %q", k)
		}
		rows = append(rows, row{int(binary.BigEndian.Uint32([]byte(k))), []byte(v)})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.version, b.version) })
	for _, x := range rows {
		if err := fn(x.version, x.data); err != nil {
			return err
		}
	}
	return nil
}

// LatestLexicon returns the latest stored version of the lexicon document,
// 0 when none is (one HGET, where LexiconVersions reads every version).
func (r *Redis) LatestLexicon() (int, error) {
	ctx, cancel := opContext()
	defer cancel()
	v, err := r.c.HGet(ctx, r.prefix+redisLexiconLatest, "lexicon").Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, r.fail("read the lexicon's version", err)
	}
	return v, nil
}
