package recall

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventType is the kind of a behaviour event.
type EventType uint8

// The event types, in increasing order of intent.
const (
	View EventType = iota
	Cart
	Fav
	Buy
	numEventTypes
)

var eventNames = [numEventTypes]string{"view", "cart", "fav", "buy"}

func (t EventType) String() string {
	if t < numEventTypes {
		return eventNames[t]
	}
	return "event(" + strconv.Itoa(int(t)) + ")"
}

// ParseEventType accepts view/pv/click, cart, fav/favorite, buy/order/purchase.
func ParseEventType(s string) (EventType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "view", "pv", "click":
		return View, nil
	case "cart":
		return Cart, nil
	case "fav", "favorite", "favourite":
		return Fav, nil
	case "buy", "order", "purchase":
		return Buy, nil
	}
	return 0, fmt.Errorf("unknown behaviour type %q (want pv, cart, fav or buy)", s)
}

// Session is one shopper's items in order, oldest first. Types and Times
// (Unix seconds) are optional per-item slices of the same length; a nil
// Types means every event is a view.
type Session struct {
	User  string
	Items []string
	Types []EventType
	Times []int64
}

// Event is one behaviour event.
type Event struct {
	User, Item, Category string
	Type                 EventType
	Time                 int64
}

// Caps on input, so a bad file fails clearly instead of exhausting memory.
const (
	maxLine        = 1 << 20
	maxSessionLen  = 1000
	maxItemIDBytes = 128
)

// ReadSessions reads a sessions file: one session a line, item ids
// separated by spaces in click order; blank lines are skipped. A session
// longer than 1,000 items keeps its newest 1,000.
func ReadSessions(r io.Reader) ([]Session, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Session
	line := 0
	for sc.Scan() {
		line++
		items, err := parseItems(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("sessions line %d: %w", line, err)
		}
		if len(items) == 0 {
			continue
		}
		out = append(out, Session{Items: items})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sessions line %d: %w", line+1, err)
	}
	return out, nil
}

// parseItems splits a space-separated list of item ids.
func parseItems(s string) ([]string, error) {
	items := strings.Fields(s)
	for _, it := range items {
		if len(it) > maxItemIDBytes {
			return nil, fmt.Errorf("item id %.20q… longer than %d bytes", it, maxItemIDBytes)
		}
	}
	if len(items) > maxSessionLen {
		items = items[len(items)-maxSessionLen:]
	}
	return items, nil
}

// ParseItems is parseItems for callers outside the package (eval files).
func ParseItems(s string) ([]string, error) { return parseItems(s) }

// ReadBehaviourCSV reads user_id,item_id,category_id,behavior_type,timestamp
// rows (Taobao UserBehavior); a first line naming the columns is skipped.
func ReadBehaviourCSV(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Event
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || (line == 1 && strings.HasPrefix(text, "user_id")) {
			continue
		}
		f := strings.Split(text, ",")
		if len(f) != 5 {
			return nil, fmt.Errorf("behaviour line %d: want 5 comma-separated fields, got %d", line, len(f))
		}
		typ, err := ParseEventType(f[3])
		if err != nil {
			return nil, fmt.Errorf("behaviour line %d: %w", line, err)
		}
		ts, err := strconv.ParseInt(strings.TrimSpace(f[4]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("behaviour line %d: timestamp %q: %w", line, f[4], err)
		}
		ev := Event{User: strings.TrimSpace(f[0]), Item: strings.TrimSpace(f[1]), Category: strings.TrimSpace(f[2]), Type: typ, Time: ts}
		if ev.User == "" || ev.Item == "" || len(ev.Item) > maxItemIDBytes {
			return nil, fmt.Errorf("behaviour line %d: empty or over-long user or item id", line)
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("behaviour line %d: %w", line+1, err)
	}
	return out, nil
}

// GroupByUser returns the users of events in order of their first event,
// and each user's events in the order given.
func GroupByUser(events []Event) ([]string, map[string][]Event) {
	byUser := map[string][]Event{}
	var users []string
	for _, e := range events {
		if _, ok := byUser[e.User]; !ok {
			users = append(users, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	return users, byUser
}

// SessionsFromEvents groups events by user in time order and cuts a user's
// history into sessions wherever two events are more than gap apart (gap
// 0: one session per user). Sessions come out ordered by their last event,
// so the newest session is last, as in a sessions file.
func SessionsFromEvents(events []Event, gap time.Duration) []Session {
	users, byUser := GroupByUser(events)
	var out []Session
	for _, u := range users {
		evs := byUser[u]
		slices.SortStableFunc(evs, func(a, b Event) int { return cmp.Compare(a.Time, b.Time) })
		var cur Session
		for i, e := range evs {
			if i > 0 && gap > 0 && e.Time-evs[i-1].Time > int64(gap/time.Second) {
				out = append(out, cur)
				cur = Session{}
			}
			cur.User = u
			cur.Items = append(cur.Items, e.Item)
			cur.Types = append(cur.Types, e.Type)
			cur.Times = append(cur.Times, e.Time)
		}
		if len(cur.Items) > 0 {
			out = append(out, cur)
		}
	}
	slices.SortStableFunc(out, func(a, b Session) int {
		return cmp.Compare(a.Times[len(a.Times)-1], b.Times[len(b.Times)-1])
	})
	for i := range out {
		if n := len(out[i].Items); n > maxSessionLen {
			s := &out[i]
			s.Items, s.Types, s.Times = s.Items[n-maxSessionLen:], s.Types[n-maxSessionLen:], s.Times[n-maxSessionLen:]
		}
	}
	return out
}
