package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shopsearch/models"
	"shopsearch/store"
	"shopsearch/store/events"
)

// loadBatch is how many events load-events applies at once, split by
// shopper over loadWorkers pipelines (events.ApplyParallel).
const (
	loadBatch   = 2000
	loadWorkers = 4
)

// sessionSpacing is the time between two sessions of a session file,
// which has no times: the last session ends now, the file's 186,670
// sessions (diginetica) span about 3 weeks, inside the 30-day window
// (they end an hour ago).
const sessionSpacing = 10 * time.Second

// maxBadShown is how many bad lines load-events prints.
const maxBadShown = 20

func runLoadEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load-events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory whose embedded behaviour store (DIR/"+behaviorFile+") to load into")
	redisURL := fs.String("redis", "", "Redis to load into, redis://HOST:PORT/DB (default $"+redisEnv+")")
	format := fs.String("format", "auto", "taobao (UserBehavior CSV), sessions (one session of item ids a line) or auto (by the file)")
	shift := fs.String("shift", "auto", "move the events' times: auto (the newest event becomes now), none, or a duration such as 2400h")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shopsearch load-events (--data DIR | --redis URL) [--format F] [--shift S] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *redisURL == "" && *data == "" {
		*redisURL = os.Getenv(redisEnv)
	}
	if (*redisURL == "") == (*data == "") {
		return fmt.Errorf("load-events: give one of --data and --redis")
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("load-events: no files given")
	}
	var st behaviorStore
	if *redisURL != "" {
		quietRedisLog()
		r, err := store.OpenRedis(ctx, *redisURL)
		if err != nil {
			return fmt.Errorf("load-events: --redis: %w", err)
		}
		st = r
	} else {
		e, err := store.OpenEmbedded(filepath.Join(*data, behaviorFile))
		if err != nil {
			return fmt.Errorf("load-events: %w", err)
		}
		st = e
	}
	defer st.Close()
	// Recorded data sets have no impressions, and old times.
	in := events.New(events.Config{MaxPast: -1, ClicksWithoutImpression: true, AnonymousPurchases: true}, st)
	for _, path := range fs.Args() {
		if err := loadFile(ctx, in, path, *format, *shift, stdout, stderr); err != nil {
			return fmt.Errorf("load-events: %s: %w", path, err)
		}
	}
	return nil
}

// eventLine is one event read from a file, or why its line is bad.
type eventLine struct {
	line int
	e    models.Event
	err  error
}

// loadFile loads one file: it reads it once for the newest time (when the
// shift is auto), then again to apply its events in batches.
func loadFile(ctx context.Context, in *events.Ingester, path, format, shift string, stdout, stderr io.Writer) error {
	if format == "auto" {
		format = "taobao"
		if strings.HasSuffix(path, ".txt") {
			format = "sessions"
		}
	}
	var read func(r io.Reader, yield func(eventLine) error) error
	switch format {
	case "taobao":
		read = readTaobao
	case "sessions":
		read = readSessions(sessionID(path), time.Now().Add(-time.Hour))
	default:
		return fmt.Errorf("--format: unknown %q; want taobao, sessions or auto", format)
	}
	var by time.Duration
	switch shift {
	case "none":
	case "auto":
		if format == "sessions" { // its times end now already
			break
		}
		var newest time.Time
		err := readPath(path, read, func(l eventLine) error {
			if l.err == nil && l.e.Time.After(newest) {
				newest = l.e.Time
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !newest.IsZero() {
			by = time.Since(newest).Truncate(time.Hour)
		}
	default:
		d, err := time.ParseDuration(shift)
		if err != nil {
			return fmt.Errorf("--shift: %w", err)
		}
		by = d
	}

	start := time.Now()
	before := in.Counters()
	var batch []models.Event
	lines, bad := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := events.ApplyParallel(ctx, in, batch, loadWorkers)
		batch = batch[:0]
		return err
	}
	err := readPath(path, read, func(l eventLine) error {
		lines++
		if l.err == nil {
			l.e.Time = l.e.Time.Add(by)
			l.err = in.Validate(&l.e)
		}
		if l.err != nil {
			bad++
			if bad <= maxBadShown {
				fmt.Fprintf(stderr, "%s: line %d: %s\n", filepath.Base(path), l.line, models.ErrorMessage(l.err))
			}
			return nil
		}
		batch = append(batch, l.e)
		if len(batch) == loadBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	took := time.Since(start)
	c := in.Counters()
	applied := c.Accepted - before.Accepted
	fmt.Fprintf(stdout, "%s: %s records, %s events loaded in %.2fs (%s events/s; times shifted by %v), %d bad lines; "+
		"into the statistics %s, dropped as repeats %s, over the daily caps %s\n",
		filepath.Base(path), thousands(lines), thousands(int(applied)), took.Seconds(),
		thousands(int(float64(applied)/max(took.Seconds(), 1e-9))), by, bad,
		thousands(int(c.Counted-before.Counted)), thousands(int(c.DroppedRepeat-before.DroppedRepeat)),
		thousands(int(c.DroppedCap-before.DroppedCap)))
	if bad > maxBadShown {
		fmt.Fprintf(stderr, "%s: %d more bad lines not shown\n", filepath.Base(path), bad-maxBadShown)
	}
	return nil
}

func readPath(path string, read func(io.Reader, func(eventLine) error) error, yield func(eventLine) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return read(f, yield)
}

// taobaoTypes maps UserBehavior's behavior_type to event types (a pv is a
// view of the item's page: a click).
var taobaoTypes = map[string]models.EventType{
	"pv": models.EventClick, "cart": models.EventAddToCart, "fav": models.EventFavorite, "buy": models.EventPurchase,
}

// readTaobao reads the Taobao UserBehavior CSV: user_id, item_id,
// category_id, behavior_type, timestamp (Unix seconds), with or without
// its header line.
func readTaobao(r io.Reader, yield func(eventLine) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || n == 1 && strings.HasPrefix(line, "user_id,") {
			continue
		}
		l := eventLine{line: n}
		f := strings.Split(line, ",")
		if len(f) != 5 {
			l.err = models.Errorf(models.EINVALID, "%d fields; want user_id,item_id,category_id,behavior_type,timestamp", len(f))
		} else if t, ok := taobaoTypes[f[3]]; !ok {
			l.err = models.Errorf(models.EINVALID, "behavior_type %q; want pv, cart, fav or buy", f[3])
		} else if ts, err := strconv.ParseInt(f[4], 10, 64); err != nil || ts <= 0 {
			l.err = models.Errorf(models.EINVALID, "timestamp %q; want Unix seconds", f[4])
		} else {
			l.e = models.Event{Type: t, UserID: f[0], ItemID: f[1], Time: time.Unix(ts, 0)}
		}
		if err := yield(l); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}

// sessionID names a session file's sessions by its directory:
// sessions/diginetica/train_sessions.txt → "diginetica-".
func sessionID(path string) string {
	return filepath.Base(filepath.Dir(path)) + "-"
}

// readSessions reads a session file — one anonymous session a line, item
// ids separated by spaces, in click order, oldest sessions first — as
// clicks: session k of n starts (n−k) × sessionSpacing before end, its
// clicks a second apart. A line without items is bad.
func readSessions(prefix string, end time.Time) func(io.Reader, func(eventLine) error) error {
	return func(r io.Reader, yield func(eventLine) error) error {
		// The number of lines first, for the times.
		var sessions [][]string
		var lineNos []int
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for n := 1; sc.Scan(); n++ {
			sessions = append(sessions, strings.Fields(sc.Text()))
			lineNos = append(lineNos, n)
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read: %w", err)
		}
		for k, items := range sessions {
			if len(items) == 0 {
				if err := yield(eventLine{line: lineNos[k], err: models.Errorf(models.EINVALID, "no item ids")}); err != nil {
					return err
				}
				continue
			}
			at := end.Add(-time.Duration(len(sessions)-k) * sessionSpacing)
			sid := prefix + strconv.Itoa(lineNos[k])
			for j, id := range items {
				e := models.Event{Type: models.EventClick, SessionID: sid, ItemID: id, Time: at.Add(time.Duration(j) * time.Second)}
				if err := yield(eventLine{line: lineNos[k], e: e}); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
