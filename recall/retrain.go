package recall

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"
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
	var sessions []Session
	var cats map[string]string
	if sessionsPath != "" {
		s, err := ReadSessionsFile(sessionsPath)
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, s...)
	}
	if behaviour != "" {
		f, err := os.Open(behaviour)
		if err != nil {
			return nil, err
		}
		evs, err := ReadBehaviourCSV(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", behaviour, err)
		}
		cats = map[string]string{}
		for _, e := range evs {
			cats[e.Item] = e.Category
		}
		sessions = append(sessions, SessionsFromEvents(evs, gap)...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Build(sessions, cats, cfg)
}
