package recall

import (
	"context"
	"fmt"
)

// Scene names: where a recommendation slot is shown.
const (
	SceneHome          = "home"           // 猜你喜欢: the shopper's recent items
	SceneDetail        = "detail"         // 看了又看: given an item
	SceneCart          = "cart"           // 买了还买: given the cart
	SceneOrderComplete = "order_complete" // after checkout: given what was bought
	SceneZeroResult    = "zero_result"    // a search found nothing: its likely category
)

// Scenes lists the scene names in a fixed order.
var Scenes = []string{SceneHome, SceneDetail, SceneCart, SceneOrderComplete, SceneZeroResult}

// Catalog sources, as they appear in Candidate.Source.
const (
	SourceContent    = "content"     // same leaf category as the shopper's items
	SourceCatalogHot = "catalog_hot" // best sellers of the catalog (or a category)
)

// SceneDeps are the recallers the scenes combine. Model may be nil (no
// behaviour model trained yet: the catalog recallers carry every scene);
// Content and Hot come from the catalog and must not be nil.
type SceneDeps struct {
	Model *Model
	// Content recalls items like req.Items (the newest last): their leaf
	// categories' best items. Cold items and shoppers still get a slot.
	Content Recaller
	// Hot recalls the catalog's best sellers in req.Category, or overall
	// when it is empty; it ends every fallback chain.
	Hot Recaller
}

// SceneRecallers returns the recaller of every scene: quotas of the
// behaviour recallers first, then the catalog's, and fallbacks so that a
// new shopper or item still gets a full slot.
//
//	home            session 40%, item2item 20%, content 20%, hot 20% → hot
//	detail          item2item 60%, content 40% → hot of the category → hot
//	cart            cobuy 70%, item2item 30% → content → hot of the category → hot
//	order_complete  cobuy 60%, item2item 40% → content → hot
//	zero_result     hot of the category 70%, session 30% → hot
//
// The caller sets req.Items (recent items, or the detail page's item with
// them), req.Cart (the cart, or what was bought), req.Category (the detail
// item's category, the cart's parent category — complements, not
// substitutes — or a failed query's likely category) and req.Exclude.
func SceneRecallers(d SceneDeps) (map[string]Recaller, error) {
	if d.Content == nil || d.Hot == nil {
		return nil, fmt.Errorf("recall: scenes need the catalog's Content and Hot recallers")
	}
	var session, item, cobuy Recaller
	if d.Model != nil {
		session, item, cobuy = d.Model.SessionRecaller(), d.Model.ItemRecaller(), d.Model.CoBuyRecaller()
	}
	overall := func(ctx context.Context, req Request) []Candidate {
		req.Category = ""
		return d.Hot(ctx, req)
	}
	q := func(r Recaller, share float64) Quota { return Quota{Recall: r, Share: share} }
	return map[string]Recaller{
		SceneHome:          Combine([]Quota{q(session, 0.4), q(item, 0.2), q(d.Content, 0.2), q(overall, 0.2)}, overall),
		SceneDetail:        Combine([]Quota{q(item, 0.6), q(d.Content, 0.4)}, d.Hot, overall),
		SceneCart:          Combine([]Quota{q(cobuy, 0.7), q(item, 0.3)}, d.Content, d.Hot, overall),
		SceneOrderComplete: Combine([]Quota{q(cobuy, 0.6), q(item, 0.4)}, d.Content, overall),
		SceneZeroResult:    Combine([]Quota{q(d.Hot, 0.7), q(session, 0.3)}, overall),
	}, nil
}

// NormalizeScores rescales each source's scores to (0, 1] by that source's
// best, so that a combined list can be blended with commercial factors on
// one scale (recallers score on scales of their own).
func NormalizeScores(cands []Candidate) {
	best := map[string]float64{}
	for _, c := range cands {
		best[c.Source] = max(best[c.Source], c.Score)
	}
	for i := range cands {
		if b := best[cands[i].Source]; b > 0 {
			cands[i].Score /= b
		} else {
			cands[i].Score = 0
		}
	}
}
