package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopsearch/indexer"
	"shopsearch/models"
)

// getItem serves GET /api/items/:id.
func (s *Server) getItem(c *gin.Context) {
	id := c.Param("id")
	p, ok := s.engine.Store().Get(id)
	if !ok {
		s.fail(c, errNoItem(id))
		return
	}
	s.respond(c, http.StatusOK, p)
}

// upsertItems serves POST /api/items: a JSON array of products or one
// product object, in the catalog's JSONL field format. All or nothing.
func (s *Server) upsertItems(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, fmt.Errorf("read request body: %w", err))
		return
	}
	products, err := s.decodeProducts(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.upsert(c.Request.Context(), products); err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.itemsChanged(itemUpsert, len(products), 0)
	s.respond(c, http.StatusOK, gin.H{"upserted": len(products)})
}

// decodeProducts parses an upsert body with the catalog's field rules.
func (s *Server) decodeProducts(body []byte) ([]models.Product, error) {
	body = bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(body) == 0:
		return nil, models.Errorf(models.EINVALID, "the request body is empty; send a JSON array of products or one product object")
	case body[0] == '{':
		raws = []json.RawMessage{body}
	case body[0] == '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, models.Errorf(models.EINVALID, "invalid JSON: %v", err)
		}
	default:
		return nil, models.Errorf(models.EINVALID, "want a JSON array of products or one product object")
	}
	if len(raws) > s.cfg.MaxUpsert {
		return nil, models.Errorf(models.ETOOLARGE, "%d products in one request; the limit is %d", len(raws), s.cfg.MaxUpsert)
	}
	products := make([]models.Product, 0, len(raws))
	first := make(map[string]int, len(raws))
	for i, raw := range raws {
		p, err := indexer.DecodeProduct(raw)
		if err != nil {
			return nil, fmt.Errorf("product %d: %w", i+1, err)
		}
		if j, dup := first[p.ID]; dup {
			return nil, models.Errorf(models.ECONFLICT, "product %d: id %q repeats product %d", i+1, clip(p.ID), j+1)
		}
		first[p.ID] = i
		products = append(products, p)
	}
	return products, nil
}

// deleteItem serves DELETE /api/items/:id.
func (s *Server) deleteItem(c *gin.Context) {
	id := c.Param("id")
	if _, ok := s.engine.Store().Get(id); !ok {
		s.fail(c, errNoItem(id))
		return
	}
	if err := s.remove(c.Request.Context(), []string{id}); err != nil {
		s.fail(c, err)
		return
	}
	s.metrics.itemsChanged(itemDelete, 1, 0)
	s.respond(c, http.StatusOK, gin.H{"deleted": 1})
}

func errNoItem(id string) error {
	return models.Errorf(models.ENOTFOUND, "no item with id %q", clip(id))
}
