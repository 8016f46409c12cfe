package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// MaxUpdates is the most updates one POST /api/items/_update may hold.
const MaxUpdates = 10_000

// patchRoutes registers the partial-update routes on the admin group
// (/api/items, behind the admin token). Gin keeps one route tree per method,
// so POST /_update does not clash with GET, PATCH and DELETE /:id.
func (s *Server) patchRoutes(admin *gin.RouterGroup) {
	admin.PATCH("/:id", s.patchItem)
	admin.POST("/_update", s.updateItems)
}

// patchItem serves PATCH /api/items/:id: the body is one patch object
// (indexer.DecodePatch) and the answer the patched item.
func (s *Server) patchItem(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, fmt.Errorf("read request body: %w", err))
		return
	}
	patch, err := indexer.DecodePatch(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.patchOne(c.Request.Context(), c.Param("id"), patch)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.itemsChanged(itemPatch, 1, 0)
	s.respond(c, http.StatusOK, p)
}

// updateItems serves POST /api/items/_update: {"updates": [...]} or a bare
// array of patch objects that each hold the item's "id". Every update
// applies whole or is rejected on its own; the answer is 200 with
// {"applied": N, "rejected": [{"index", "id", "code", "message"}]} (index
// from 0) whenever the body itself is well-formed.
func (s *Server) updateItems(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, fmt.Errorf("read request body: %w", err))
		return
	}
	raws, err := decodeUpdates(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	var rejected []query.PatchRejection
	updates := make([]query.Update, 0, len(raws))
	at := make([]int, 0, len(raws)) // updates[j] is raws[at[j]]
	for i, raw := range raws {
		id, patch, err := indexer.DecodeUpdate(raw)
		if err != nil {
			rejected = append(rejected, query.PatchRejection{Index: i, ID: id,
				Code: models.ErrorCode(err), Message: models.ErrorMessage(err)})
			continue
		}
		updates = append(updates, query.Update{ID: id, Patch: patch})
		at = append(at, i)
	}
	res, err := s.patch(c.Request.Context(), updates)
	if err != nil {
		s.fail(c, err)
		return
	}
	for j := range res.Rejected {
		res.Rejected[j].Index = at[res.Rejected[j].Index]
	}
	s.metrics.itemsChanged(itemPatch, res.Applied, len(res.Rejected)+len(rejected))
	if len(rejected) > 0 {
		res.Rejected = append(res.Rejected, rejected...)
		slices.SortFunc(res.Rejected, func(a, b query.PatchRejection) int { return a.Index - b.Index })
	}
	s.respond(c, http.StatusOK, res)
}

// decodeUpdates splits a bulk update body into its update objects.
func decodeUpdates(body []byte) ([]json.RawMessage, error) {
	const want = `want {"updates": [...]} or a JSON array of updates`
	body = bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(body) == 0:
		return nil, models.Errorf(models.EINVALID, "the request body is empty; %s", want)
	case body[0] == '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, models.Errorf(models.EINVALID, "invalid JSON: %v", err)
		}
	case body[0] == '{':
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			return nil, models.Errorf(models.EINVALID, "invalid JSON: %v", err)
		}
		for k := range top {
			if k != "updates" {
				return nil, models.Errorf(models.EINVALID, "unknown field %q; %s", clip(k), want)
			}
		}
		list := bytes.TrimSpace(top["updates"])
		if len(list) == 0 || list[0] != '[' {
			return nil, models.Errorf(models.EINVALID, "updates: %s", want)
		}
		if err := json.Unmarshal(list, &raws); err != nil {
			return nil, models.Errorf(models.EINVALID, "invalid JSON: %v", err)
		}
	default:
		return nil, models.Errorf(models.EINVALID, "%s", want)
	}
	if len(raws) > MaxUpdates {
		return nil, models.Errorf(models.ETOOLARGE, "%d updates in one request; the limit is %d", len(raws), MaxUpdates)
	}
	return raws, nil
}
