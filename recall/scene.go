package recall

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
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
	SourceSimilar    = "similar"     // same leaf and price band as the item, then its siblings
	SourceComplement = "complement"  // complement categories of the cart (Complements)
	SourceSpread     = "spread"      // best sellers spread over the shopper's and the site's top categories
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
	// when it is empty.
	Hot Recaller
	// Similar, Complement and Spread are the catalog's coherent fallbacks
	// for thin behaviour (optional; a recipe naming a missing one skips
	// it): the best sellers of the leaf category of the newest of
	// req.Items in its price band, then of its sibling categories (看了又看);
	// the best sellers of the complement categories of req.Cart (买了还买);
	// and best sellers spread over the categories of req.Items and the
	// site's top categories, a few each (猜你喜欢).
	Similar, Complement, Spread Recaller
	// Config says how each scene combines them; nil: DefaultSceneConfig.
	// A scene it leaves out takes the default's recipe.
	Config SceneConfig
}

// Recaller names of a SceneConfig.
const (
	RecallerSession     = "session"      // the model's session kNN (req.Items)
	RecallerItem        = "item2item"    // the model's item-to-item neighbours
	RecallerCoBuy       = "cobuy"        // the model's bought-together (req.Cart)
	RecallerContent     = "content"      // the catalog's best sellers of the shopper's categories
	RecallerCategoryHot = "category_hot" // the catalog's best sellers of req.Category
	RecallerHot         = "hot"          // the catalog's best sellers overall
	RecallerSimilar     = "similar"      // the catalog's same leaf and price band, then sibling categories
	RecallerComplement  = "complement"   // the catalog's best sellers of the cart's complement categories
	RecallerSpread      = "spread"       // the catalog's best sellers spread over top categories
)

// RecallerNames lists the recaller names a SceneConfig may use.
var RecallerNames = []string{RecallerSession, RecallerItem, RecallerCoBuy, RecallerContent, RecallerCategoryHot, RecallerHot,
	RecallerSimilar, RecallerComplement, RecallerSpread}

// SceneConfig is how each scene (by name) combines the recallers.
type SceneConfig map[string]SceneRecipe

// SceneRecipe is one scene's quotas — each recaller fills up to its share
// of the slot, in order — and the fallbacks that fill what is left.
type SceneRecipe struct {
	Quotas    []SceneQuota `json:"quotas"`
	Fallbacks []string     `json:"fallbacks"`
}

// SceneQuota is one recaller's share of a scene's candidates.
type SceneQuota struct {
	Recaller string  `json:"recaller"`
	Share    float64 `json:"share"` // (0, 1]; a recipe's shares sum to at most 1
}

// Limits of a SceneConfig.
const maxRecipeParts = 10

// DefaultSceneConfig returns the scenes' default recipes:
//
//	home            session 40%, item2item 20%, spread 40% → spread → hot
//	detail          item2item 60%, similar 40% → similar → hot of the category → hot
//	cart            cobuy 70%, complement 30% → complement
//	order_complete  cobuy 60%, complement 40% → complement
//	zero_result     hot of the category 70%, session 30% → hot
//
// The cart slots never fall back to best sellers: a slot of complements
// or nothing (the storefront hides an empty slot).
func DefaultSceneConfig() SceneConfig {
	q := func(r string, share float64) SceneQuota { return SceneQuota{Recaller: r, Share: share} }
	return SceneConfig{
		SceneHome: {Quotas: []SceneQuota{q(RecallerSession, 0.4), q(RecallerItem, 0.2), q(RecallerSpread, 0.4)},
			Fallbacks: []string{RecallerSpread, RecallerHot}},
		SceneDetail: {Quotas: []SceneQuota{q(RecallerItem, 0.6), q(RecallerSimilar, 0.4)},
			Fallbacks: []string{RecallerSimilar, RecallerCategoryHot, RecallerHot}},
		SceneCart: {Quotas: []SceneQuota{q(RecallerCoBuy, 0.7), q(RecallerComplement, 0.3)},
			Fallbacks: []string{RecallerComplement}},
		SceneOrderComplete: {Quotas: []SceneQuota{q(RecallerCoBuy, 0.6), q(RecallerComplement, 0.4)},
			Fallbacks: []string{RecallerComplement}},
		SceneZeroResult: {Quotas: []SceneQuota{q(RecallerCategoryHot, 0.7), q(RecallerSession, 0.3)},
			Fallbacks: []string{RecallerHot}},
	}
}

// Validate checks scene and recaller names, shares and sizes.
func (c SceneConfig) Validate() error {
	for scene, r := range c {
		if !slices.Contains(Scenes, scene) {
			return fmt.Errorf("recall: scenes: unknown scene %q (want one of %v)", scene, Scenes)
		}
		if len(r.Quotas) > maxRecipeParts || len(r.Fallbacks) > maxRecipeParts {
			return fmt.Errorf("recall: scenes: %s: at most %d quotas and %d fallbacks", scene, maxRecipeParts, maxRecipeParts)
		}
		if len(r.Quotas) == 0 && len(r.Fallbacks) == 0 {
			return fmt.Errorf("recall: scenes: %s: no quota and no fallback", scene)
		}
		var sum float64
		for i, q := range r.Quotas {
			if !slices.Contains(RecallerNames, q.Recaller) {
				return fmt.Errorf("recall: scenes: %s.quotas[%d]: unknown recaller %q (want one of %v)", scene, i, q.Recaller, RecallerNames)
			}
			if !(q.Share > 0 && q.Share <= 1) {
				return fmt.Errorf("recall: scenes: %s.quotas[%d]: share %v, want (0, 1]", scene, i, q.Share)
			}
			sum += q.Share
		}
		if sum > 1+1e-9 {
			return fmt.Errorf("recall: scenes: %s: the shares sum to %v, over 1", scene, sum)
		}
		for i, f := range r.Fallbacks {
			if !slices.Contains(RecallerNames, f) {
				return fmt.Errorf("recall: scenes: %s.fallbacks[%d]: unknown recaller %q (want one of %v)", scene, i, f, RecallerNames)
			}
		}
	}
	return nil
}

// ReadSceneConfig reads a JSON SceneConfig ({"home":{"quotas":[{"recaller":
// "session","share":0.5}],"fallbacks":["hot"]}}), validated; scenes it
// leaves out keep their default recipes.
func ReadSceneConfig(r io.Reader) (SceneConfig, error) {
	var c SceneConfig
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("recall: scenes: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	out := DefaultSceneConfig()
	maps.Copy(out, c)
	return out, nil
}

// SceneRecallers returns the recaller of every scene, combined as d.Config
// (DefaultSceneConfig) says: quotas of the behaviour recallers first, then
// the catalog's, and fallbacks so that a new shopper or item still gets a
// full slot. Without a model its recallers recall nothing.
//
// The caller sets req.Items (recent items, or the detail page's item with
// them), req.Cart (the cart, or what was bought), req.Category (the detail
// item's category, the cart's parent category — complements, not
// substitutes — or a failed query's likely category) and req.Exclude.
func SceneRecallers(d SceneDeps) (map[string]Recaller, error) {
	if d.Content == nil || d.Hot == nil {
		return nil, fmt.Errorf("recall: scenes need the catalog's Content and Hot recallers")
	}
	cfg := DefaultSceneConfig()
	if d.Config != nil {
		if err := d.Config.Validate(); err != nil {
			return nil, err
		}
		maps.Copy(cfg, d.Config)
	}
	byName := map[string]Recaller{
		RecallerContent:     d.Content,
		RecallerCategoryHot: d.Hot,
		RecallerHot: func(ctx context.Context, req Request) []Candidate {
			req.Category = ""
			return d.Hot(ctx, req)
		},
		RecallerSimilar:    d.Similar, // nil when not given: skipped
		RecallerComplement: d.Complement,
		RecallerSpread:     d.Spread,
	}
	if d.Model != nil {
		byName[RecallerSession], byName[RecallerItem], byName[RecallerCoBuy] = d.Model.SessionRecaller(), d.Model.ItemRecaller(), d.Model.CoBuyRecaller()
	}
	out := make(map[string]Recaller, len(Scenes))
	for _, scene := range Scenes {
		r := cfg[scene]
		quotas := make([]Quota, len(r.Quotas))
		for i, q := range r.Quotas {
			quotas[i] = Quota{Recall: byName[q.Recaller], Share: q.Share} // nil without a model: Combine skips it
		}
		var fallbacks []Recaller
		for _, f := range r.Fallbacks {
			if byName[f] != nil {
				fallbacks = append(fallbacks, byName[f])
			}
		}
		out[scene] = Combine(quotas, fallbacks...)
	}
	return out, nil
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
