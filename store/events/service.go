package events

import (
	"context"

	"shopsearch/models"
)

// QueryStore is what the search counts are read from.
type QueryStore interface {
	TopQueries(ctx context.Context, today int64, days, n int) ([]models.QueryCount, error)
}

// Service is the ingester, the statistics it feeds and the search counts,
// as the server uses them.
type Service struct {
	*Ingester
	Stats   *Stats
	Queries QueryStore
}

// TopQueries returns the n queries most counted (by the fraud rules, once
// per shopper an hour) over the last days days, today included.
func (s Service) TopQueries(ctx context.Context, days, n int) ([]models.QueryCount, error) {
	return s.Queries.TopQueries(ctx, s.cfg.Now().Unix()/86400, days, n)
}

// Item returns an item's statistics, read now.
func (s Service) Item(ctx context.Context, id string) (models.ItemStats, error) {
	return s.Stats.Item(ctx, id)
}

// Counters are the ingester's counters, degraded also while the
// statistics cannot read the store.
func (s Service) Counters() Counters {
	c := s.Ingester.Counters()
	if models.ErrorCode(s.Stats.Err()) == models.EUNAVAILABLE {
		c.Degraded = true
	}
	return c
}
