package recall

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"shopsearch/models"
)

// ReadSessionsFile reads a sessions file (ReadSessions).
func ReadSessionsFile(path string) ([]Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ReadSessions(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// BuildFromFiles trains the recall models from a sessions file and/or a
// behaviour CSV (either may be ""), splitting the CSV's events into
// sessions at gaps of gap.
func BuildFromFiles(ctx context.Context, sessionsPath, behaviour string, gap time.Duration, cfg Config) (*Model, error) {
	sessions, cats, err := readTraining(sessionsPath, behaviour, gap)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Build(sessions, cats, cfg)
}

// readTraining reads the sessions of a sessions file and/or a behaviour
// CSV (either may be ""), and the CSV's item categories.
func readTraining(sessionsPath, behaviour string, gap time.Duration) ([]Session, map[string]string, error) {
	var sessions []Session
	var cats map[string]string
	if sessionsPath != "" {
		s, err := ReadSessionsFile(sessionsPath)
		if err != nil {
			return nil, nil, err
		}
		sessions = append(sessions, s...)
	}
	if behaviour != "" {
		f, err := os.Open(behaviour)
		if err != nil {
			return nil, nil, err
		}
		evs, err := ReadBehaviourCSV(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", behaviour, err)
		}
		cats = map[string]string{}
		for _, e := range evs {
			cats[e.Item] = e.Category
		}
		sessions = append(sessions, SessionsFromEvents(evs, gap)...)
	}
	return sessions, cats, nil
}

// BehaviorLog is the behaviour store as a retraining reads it: every
// actor's recent behaviour of a type (store.Embedded, store.Redis).
type BehaviorLog interface {
	ScanRecent(ctx context.Context, t models.EventType, fn func(actor string, bs []models.Behavior) error) error
}

// storeTypes are the behaviour store's event types that train the recall
// model, as its own.
var storeTypes = []struct {
	from models.EventType
	to   EventType
}{{models.EventClick, View}, {models.EventAddToCart, Cart}, {models.EventFavorite, Fav}, {models.EventPurchase, Buy}}

// EventsFromStore reads the behaviour that reached the store as recall
// events: every actor's recent clicks, carts, favourites and purchases
// (the store keeps the newest of each type for a while: store.RecentLimit,
// store.RecentTTL), by actor and time; category gives an item's category
// (nil: none).
func EventsFromStore(ctx context.Context, log BehaviorLog, category func(item string) string) ([]Event, error) {
	var out []Event
	for _, st := range storeTypes {
		err := log.ScanRecent(ctx, st.from, func(actor string, bs []models.Behavior) error {
			for _, b := range bs {
				if b.ItemID == "" {
					continue
				}
				e := Event{User: actor, Item: b.ItemID, Type: st.to, Time: b.At.Unix()}
				if category != nil {
					e.Category = category(b.ItemID)
				}
				out = append(out, e)
			}
			return ctx.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("recall: events from the behaviour store: %w", err)
		}
	}
	// The stores scan in no particular order: by actor, then time, for a
	// model that does not depend on it.
	slices.SortStableFunc(out, func(a, b Event) int {
		return cmp.Or(strings.Compare(a.User, b.User), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Type, b.Type))
	})
	return out, nil
}
