package query

import (
	"context"
	"fmt"

	"shopsearch/models"
)

// maxPreviewQueries caps the queries of one preview.
const maxPreviewQueries = 100

// PreviewRequest compares what shoppers see now with what a draft profile
// or draft rules would show, before anything is published.
type PreviewRequest struct {
	// Queries are run one by one; an empty query with a category filter
	// previews the category page.
	Queries []string
	// Base is the search each query runs as — filters, device, user, Now;
	// its Size is the N of the top N compared. Text and Page are ignored.
	Base Request
	// The draft: a profile (Profile, or the published profile ProfileName)
	// and rules added to the published ones (a rule with the id of a
	// published one replaces it). With neither profile, the draft ranks
	// with the profile the base search selects.
	Profile     *models.WeightProfile
	ProfileName string
	Rules       []models.Rule
}

// PreviewResult is the comparison, query by query.
type PreviewResult struct {
	Current Ranker         `json:"current"`
	Draft   Ranker         `json:"draft"`
	Queries []QueryPreview `json:"queries"`
}

// Ranker names the profile version (and A/B arm) that ranked a side.
type Ranker struct {
	Profile string `json:"profile"`
	Version int    `json:"profile_version"`
	Arm     string `json:"arm,omitempty"`
}

// QueryPreview is the current and draft top N of one query: the draft's
// items in its order, then the items it dropped in their current order.
type QueryPreview struct {
	Query        string     `json:"query"`
	CurrentTotal int        `json:"current_total"`
	DraftTotal   int        `json:"draft_total"`
	Items        []Movement `json:"items"`
	Summary      Summary    `json:"summary"`
}

// Movement is one item's position now and under the draft.
type Movement struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// 1-based positions in the current and the draft top N; 0 (omitted):
	// not in it.
	Current int `json:"current,omitempty"`
	Draft   int `json:"draft,omitempty"`
	// Movement is up, down, same, new (in the draft's top N only) or
	// dropped (in the current one's only); Change is how many places it
	// moved up (negative: down).
	Movement string `json:"movement"`
	Change   int    `json:"change,omitempty"`
}

// Summary counts the movements of a query.
type Summary struct {
	Up      int `json:"up"`
	Down    int `json:"down"`
	Same    int `json:"same"`
	New     int `json:"new"`
	Dropped int `json:"dropped"`
}

// Preview runs every query with the published ranking and with the draft
// and compares their top N. It saves nothing, and its searches are not
// counted in the query log.
func (e *Engine) Preview(ctx context.Context, pr PreviewRequest) (*PreviewResult, error) {
	if len(pr.Queries) == 0 || len(pr.Queries) > maxPreviewQueries {
		return nil, models.Errorf(models.EINVALID, "preview: want 1 to %d queries, got %d", maxPreviewQueries, len(pr.Queries))
	}
	base := pr.Base
	base.Page, base.preview = 1, true
	base.Profile, base.Draft, base.DraftRules = "", nil, nil
	draft := base
	draft.Draft, draft.Profile, draft.DraftRules = pr.Profile, pr.ProfileName, pr.Rules
	res := &PreviewResult{Queries: make([]QueryPreview, 0, len(pr.Queries))}
	for i, q := range pr.Queries {
		base.Text, draft.Text = q, q
		cur, err := e.Search(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("preview of %q, current: %w", q, err)
		}
		next, err := e.Search(ctx, draft)
		if err != nil {
			return nil, fmt.Errorf("preview of %q, draft: %w", q, err)
		}
		if i == 0 {
			res.Current = Ranker{cur.Profile, cur.ProfileVersion, cur.Arm}
			res.Draft = Ranker{next.Profile, next.ProfileVersion, next.Arm}
		}
		res.Queries = append(res.Queries, compare(q, cur, next))
	}
	return res, nil
}

// compare lists the movements from the current top N to the draft's.
func compare(q string, cur, next *Response) QueryPreview {
	qp := QueryPreview{Query: q, CurrentTotal: cur.Total, DraftTotal: next.Total, Items: []Movement{}}
	was := make(map[string]int, len(cur.Items))
	for i, it := range cur.Items {
		was[it.ID] = i + 1
	}
	now := make(map[string]bool, len(next.Items))
	for i, it := range next.Items {
		m := Movement{ID: it.ID, Title: it.Title, Current: was[it.ID], Draft: i + 1}
		now[it.ID] = true
		switch {
		case m.Current == 0:
			m.Movement = "new"
			qp.Summary.New++
		case m.Current > m.Draft:
			m.Movement = "up"
			qp.Summary.Up++
		case m.Current < m.Draft:
			m.Movement = "down"
			qp.Summary.Down++
		default:
			m.Movement = "same"
			qp.Summary.Same++
		}
		if m.Current > 0 {
			m.Change = m.Current - m.Draft
		}
		qp.Items = append(qp.Items, m)
	}
	for i, it := range cur.Items {
		if !now[it.ID] {
			qp.Items = append(qp.Items, Movement{ID: it.ID, Title: it.Title, Current: i + 1, Movement: "dropped"})
			qp.Summary.Dropped++
		}
	}
	return qp
}
