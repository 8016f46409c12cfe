package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
)

// adminRoutes registers the merchandising API under /api/admin, behind the
// admin token: weight profiles, the profile selection (devices, A/B test),
// rules, the query log and previews.
func (s *Server) adminRoutes(r *gin.Engine) {
	g := r.Group("/api/admin", s.requireAdmin)
	g.GET("/profiles", s.listProfiles)
	g.GET("/profiles/:name", s.getProfile)
	g.PUT("/profiles/:name", s.putProfile)
	g.POST("/profiles/:name/rollback", s.rollbackProfile)
	g.GET("/selection", s.getSelection)
	g.PUT("/selection", s.putSelection)
	g.GET("/rules", s.listRules)
	g.POST("/rules", s.createRule)
	g.GET("/rules/:id", s.getRule)
	g.PUT("/rules/:id", s.putRule)
	g.DELETE("/rules/:id", s.deleteRule)
	g.GET("/queries", s.topQueries)
	g.POST("/preview", s.preview)
}

// profiles returns the engine's profile manager, failing the request when
// there is none.
func (s *Server) profiles(c *gin.Context) *rank.Profiles {
	p, _ := s.engine.Merch()
	if p == nil {
		s.fail(c, models.Errorf(models.EUNAVAILABLE, "weight profiles are not configured on this server"))
	}
	return p
}

func (s *Server) rulebook(c *gin.Context) *rank.Rulebook {
	_, r := s.engine.Merch()
	if r == nil {
		s.fail(c, models.Errorf(models.EUNAVAILABLE, "merchandiser rules are not configured on this server"))
	}
	return r
}

// decodeBody parses a JSON body into v, refusing unknown fields (a
// misspelt weight would otherwise be silently dropped), trailing data,
// invalid UTF-8 and a name given twice (indexer.CheckJSON).
func decodeBody(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return models.Errorf(models.EINVALID, "the request body is empty; send a JSON object")
	}
	if json.Valid(body) {
		if err := indexer.CheckJSON(body); err != nil { // invalid UTF-8, repeated names
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return models.Errorf(models.EINVALID, "invalid JSON: %v", err)
	}
	if dec.More() {
		return models.Errorf(models.EINVALID, "invalid JSON: more than one value")
	}
	return nil
}

func (s *Server) listProfiles(c *gin.Context) {
	if p := s.profiles(c); p != nil {
		s.respond(c, http.StatusOK, gin.H{"profiles": p.List()})
	}
}

// getProfile serves the current version of a profile and its history.
func (s *Server) getProfile(c *gin.Context) {
	p := s.profiles(c)
	if p == nil {
		return
	}
	name := c.Param("name")
	history, ok := p.History(name)
	if !ok {
		s.fail(c, models.Errorf(models.ENOTFOUND, "no profile %q", clip(name)))
		return
	}
	s.respond(c, http.StatusOK, gin.H{"current": history[len(history)-1], "history": history})
}

// putProfile saves the body as the next version of the profile: the
// profile's fields, with author and note.
func (s *Server) putProfile(c *gin.Context) {
	p := s.profiles(c)
	if p == nil {
		return
	}
	var wp models.WeightProfile
	if err := decodeBody(c, &wp); err != nil {
		s.fail(c, err)
		return
	}
	name := c.Param("name")
	if wp.Name != "" && wp.Name != name {
		s.fail(c, models.Errorf(models.EINVALID, "name %q in the body is not %q of the path", clip(wp.Name), clip(name)))
		return
	}
	wp.Name = name
	saved, err := p.Put(wp, wp.Author, wp.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, saved)
}

func (s *Server) rollbackProfile(c *gin.Context) {
	p := s.profiles(c)
	if p == nil {
		return
	}
	var body struct {
		Version *int   `json:"version"`
		Author  string `json:"author"`
	}
	if err := decodeBody(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if body.Version == nil {
		s.fail(c, models.Errorf(models.EINVALID, "version: say which version to roll back to"))
		return
	}
	saved, err := p.Rollback(c.Param("name"), *body.Version, body.Author)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, saved)
}

func (s *Server) getSelection(c *gin.Context) {
	if p := s.profiles(c); p != nil {
		s.respond(c, http.StatusOK, p.Selection())
	}
}

// putSelection replaces the selection: device profiles, the A/B test and
// author.
func (s *Server) putSelection(c *gin.Context) {
	p := s.profiles(c)
	if p == nil {
		return
	}
	var sel rank.Selection
	if err := decodeBody(c, &sel); err != nil {
		s.fail(c, err)
		return
	}
	saved, err := p.PutSelection(sel, sel.Author)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, saved)
}

func (s *Server) listRules(c *gin.Context) {
	if r := s.rulebook(c); r != nil {
		s.respond(c, http.StatusOK, gin.H{"rules": r.List()})
	}
}

func (s *Server) getRule(c *gin.Context) {
	rb := s.rulebook(c)
	if rb == nil {
		return
	}
	r, ok := rb.Get(c.Param("id"))
	if !ok {
		s.fail(c, models.Errorf(models.ENOTFOUND, "no rule %q", clip(c.Param("id"))))
		return
	}
	s.respond(c, http.StatusOK, r)
}

// createRule saves a new rule; its id is assigned unless the body gives
// one not in use.
func (s *Server) createRule(c *gin.Context) {
	rb := s.rulebook(c)
	if rb == nil {
		return
	}
	var r models.Rule
	if err := decodeBody(c, &r); err != nil {
		s.fail(c, err)
		return
	}
	if _, taken := rb.Get(r.ID); r.ID != "" && taken {
		s.fail(c, models.Errorf(models.ECONFLICT, "rule %q exists; PUT /api/admin/rules/%s replaces it", clip(r.ID), clip(r.ID)))
		return
	}
	saved, err := rb.Put(r, r.Author)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusCreated, saved)
}

// putRule creates or replaces the rule with the id of the path.
func (s *Server) putRule(c *gin.Context) {
	rb := s.rulebook(c)
	if rb == nil {
		return
	}
	var r models.Rule
	if err := decodeBody(c, &r); err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("id")
	if r.ID != "" && r.ID != id {
		s.fail(c, models.Errorf(models.EINVALID, "id %q in the body is not %q of the path", clip(r.ID), clip(id)))
		return
	}
	r.ID = id
	saved, err := rb.Put(r, r.Author)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, saved)
}

func (s *Server) deleteRule(c *gin.Context) {
	rb := s.rulebook(c)
	if rb == nil {
		return
	}
	if err := rb.Delete(c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, gin.H{"deleted": c.Param("id")})
}

// checkRanking lets only admins use the debugging parameters of search:
// explain shows weights, rule ids and factors derived from sales and CTR,
// which are business data; profile lets a request pick a profile, which
// would take it out of its A/B arm.
func (s *Server) checkRanking(c *gin.Context, req query.Request) error {
	if !req.Explain && req.Profile == "" {
		return nil
	}
	return s.checkAdmin(c)
}

// ranking reads the ranking parameters of search: explain, device, user
// and profile.
func (p *params) ranking(req *query.Request) {
	switch v := p.one("explain"); v {
	case "", "false", "0":
	case "true", "1":
		req.Explain = true
	default:
		p.fail(invalid("explain", "want true, false, 1 or 0, got %q", clip(v)))
	}
	req.Device = p.one("device")
	if req.Device != "" && !slices.Contains(rank.Devices, req.Device) {
		p.fail(invalid("device", "want %s, got %q", strings.Join(rank.Devices, " or "), clip(req.Device)))
	}
	req.UserID = p.one("user")
	p.limit("user", len(req.UserID), maxUserBytes, "bytes")
	req.Profile = p.one("profile")
	p.limit("profile", len(req.Profile), maxProfileBytes, "bytes")
}

// Limits of the ranking parameters.
const (
	maxUserBytes    = 128
	maxProfileBytes = 32
)
