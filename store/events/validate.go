package events

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shopsearch/models"
)

// validate checks e and fills in its defaults (the time, an impression's
// slot, a purchase's quantity, the search text trimmed). The error has
// code models.EINVALID and names the field.
func (in *Ingester) validate(e *models.Event, now time.Time) error {
	c := &in.cfg
	switch e.Type {
	case models.EventImpression, models.EventClick, models.EventAddToCart, models.EventFavorite, models.EventPurchase, models.EventSearch:
	case "":
		return models.Errorf(models.EINVALID, "type: missing; want one of %s", typeList())
	default:
		return models.Errorf(models.EINVALID, "type: unknown %q; want one of %s", clip(string(e.Type)), typeList())
	}
	if e.UserID == "" && e.SessionID == "" {
		return models.Errorf(models.EINVALID, "user_id or session_id: one is required")
	}
	if err := checkID("user_id", e.UserID, c.MaxIDBytes, true); err != nil {
		return err
	}
	if err := checkID("session_id", e.SessionID, c.MaxIDBytes, true); err != nil {
		return err
	}
	switch e.Type {
	case models.EventImpression:
		if len(e.Items) == 0 && e.ItemID != "" {
			e.Items = []string{e.ItemID}
		}
		if len(e.Items) == 0 {
			return models.Errorf(models.EINVALID, "items: an impression needs the list of item ids shown")
		}
		if len(e.Items) > c.MaxImpressionItems {
			return models.Errorf(models.EINVALID, "items: %d items; an impression may list at most %d", len(e.Items), c.MaxImpressionItems)
		}
		for i, id := range e.Items {
			if err := checkID("items["+strconv.Itoa(i)+"]", id, c.MaxIDBytes, false); err != nil {
				return err
			}
		}
		if e.Scene == "" {
			return models.Errorf(models.EINVALID, "scene: an impression needs the scene it was shown in (search, home, cart…)")
		}
		if e.Slot == "" {
			e.Slot = "main"
		}
	case models.EventSearch:
		e.Query = strings.Join(strings.Fields(e.Query), " ")
		if e.Query == "" {
			return models.Errorf(models.EINVALID, "query: a search needs its text")
		}
		if n := utf8.RuneCountInString(e.Query); n > c.MaxQueryRunes || !utf8.ValidString(e.Query) {
			return models.Errorf(models.EINVALID, "query: want valid UTF-8 of at most %d characters", c.MaxQueryRunes)
		}
		if e.Results != nil && *e.Results < 0 {
			return models.Errorf(models.EINVALID, "results: %d is negative", *e.Results)
		}
	default:
		if err := checkID("item_id", e.ItemID, c.MaxIDBytes, false); err != nil {
			return err
		}
	}
	if e.Type == models.EventPurchase {
		if e.Quantity == 0 {
			e.Quantity = 1
		}
		if e.Quantity < 1 || e.Quantity > c.MaxQuantity {
			return models.Errorf(models.EINVALID, "quantity: %d; want 1 to %d", e.Quantity, c.MaxQuantity)
		}
		if math.IsNaN(e.Amount) || e.Amount < 0 || e.Amount > c.MaxAmount {
			return models.Errorf(models.EINVALID, "amount: %v; want 0 to %v yuan", e.Amount, c.MaxAmount)
		}
	} else if e.Quantity != 0 || e.Amount != 0 {
		return models.Errorf(models.EINVALID, "quantity and amount: only a purchase has them")
	}
	for _, f := range []struct{ name, v string }{{"scene", e.Scene}, {"slot", e.Slot}, {"region", e.Region}, {"device", e.Device}} {
		if err := checkWord(f.name, f.v); err != nil {
			return err
		}
	}
	if err := checkID("impression_id", e.ImpressionID, c.MaxIDBytes, true); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = now
	}
	if c.MaxPast > 0 && e.Time.Before(now.Add(-c.MaxPast)) {
		return models.Errorf(models.EINVALID, "time: %s is more than %v in the past", e.Time.UTC().Format(time.RFC3339), c.MaxPast)
	}
	if e.Time.After(now.Add(c.MaxFuture)) {
		return models.Errorf(models.EINVALID, "time: %s is more than %v in the future", e.Time.UTC().Format(time.RFC3339), c.MaxFuture)
	}
	return nil
}

// checkID accepts 1 to max bytes of valid UTF-8 without control
// characters or spaces (or nothing, when optional).
func checkID(field, v string, maxBytes int, optional bool) error {
	if v == "" {
		if optional {
			return nil
		}
		return models.Errorf(models.EINVALID, "%s: missing", field)
	}
	if len(v) > maxBytes {
		return models.Errorf(models.EINVALID, "%s: %d bytes long; the limit is %d", field, len(v), maxBytes)
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return models.Errorf(models.EINVALID, "%s: %q has a space, a control character or invalid UTF-8", field, clip(v))
	}
	return nil
}

// checkWord accepts "" or up to 64 of a-z A-Z 0-9 _ - . (no /: it joins
// a scene and a slot, SlotKey).
func checkWord(field, v string) error {
	if len(v) > 64 || strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	}) {
		return models.Errorf(models.EINVALID, "%s: %q; want up to 64 of a-z, 0-9, _ - .", field, clip(v))
	}
	return nil
}

func typeList() string {
	s := make([]string, len(models.EventTypes))
	for i, t := range models.EventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 64
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
