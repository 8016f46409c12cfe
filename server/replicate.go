package server

import (
	"context"
	"encoding/json"
	"fmt"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/suggest"
)

// Replicas on one Redis: every catalog write (upsert, delete, patch, bulk
// update) and every suggest configuration is appended to the replication
// stream instead of being applied here, and applied — here as on every
// other replica — when the replica's consumer reaches it (store.Replica,
// doc/operations.md "Replicas on one Redis"). The handler answers once
// this replica has applied it, with the outcome of applying it, so the
// client reads its own write on the replica that took it. Slot pins and
// sensitive categories are saved in the shared store as before; the
// stream only tells the other replicas to reload them at once.
//
// Without WithReplication (one process, no Redis) the handlers write to
// the engine directly, as they always have.

// Kinds of replicated writes, the stream entries' "k".
const (
	writeUpsert   = "items.upsert"   // []models.Product, validated
	writeDelete   = "items.delete"   // []string
	writePatch    = "items.patch"    // []query.Update
	writePatchOne = "items.patchone" // patchOne
	writeSuggest  = "suggest.config" // suggest.Merch
	writeSettings = "settings"       // the setting's name: reload it
)

// Replicator appends a write to the replication stream and returns its
// outcome once this replica has applied it (store.Replica.Write).
type Replicator interface {
	Write(ctx context.Context, kind string, data []byte) (any, error)
}

// Applier applies one replicated write (store.Applier's shape).
type Applier = func(ctx context.Context, data []byte) (any, error)

// ReplicatedState is what the appliers write to besides the engine: the
// suggester (nil: none) and the settings that have an in-memory copy to
// reload (nil: none); and Ship, which ships a generation built here from a
// catalog upload (POST /api/admin/catalog) that began at the stream
// position pos (nil: no shelf; see catalog.go).
type ReplicatedState struct {
	Suggester Suggester
	Pins      *SlotPins
	Sensitive *SensitiveList
	Ship      func(ctx context.Context, genDir, pos string) (note string, err error)
}

// replication is the server's side of the stream.
type replication struct {
	w    Replicator
	ship func(ctx context.Context, genDir, pos string) (string, error)
}

// WithReplication sends the catalog and suggest configuration writes
// through r and returns the appliers of every kind of write, for the
// caller to register on r's consumer before it runs. Call it before
// serving.
func (s *Server) WithReplication(r Replicator, st ReplicatedState) map[string]Applier {
	s.repl = &replication{w: r, ship: st.Ship}
	e := s.engine
	return map[string]Applier{
		writeUpsert: func(_ context.Context, data []byte) (any, error) {
			var ps []models.Product
			if err := json.Unmarshal(data, &ps); err != nil {
				return nil, models.Errorf(models.EINVALID, "replicated upsert: %v", err)
			}
			return nil, e.Upsert(ps)
		},
		writeDelete: func(_ context.Context, data []byte) (any, error) {
			var ids []string
			if err := json.Unmarshal(data, &ids); err != nil {
				return nil, models.Errorf(models.EINVALID, "replicated delete: %v", err)
			}
			return nil, e.Delete(ids)
		},
		writePatch: func(ctx context.Context, data []byte) (any, error) {
			var us []query.Update
			if err := json.Unmarshal(data, &us); err != nil {
				return nil, models.Errorf(models.EINVALID, "replicated patch: %v", err)
			}
			return e.Patch(context.WithoutCancel(ctx), us)
		},
		writePatchOne: func(ctx context.Context, data []byte) (any, error) {
			var u query.Update
			if err := json.Unmarshal(data, &u); err != nil {
				return nil, models.Errorf(models.EINVALID, "replicated patch: %v", err)
			}
			return e.PatchOne(context.WithoutCancel(ctx), u.ID, u.Patch)
		},
		writeSuggest: func(_ context.Context, data []byte) (any, error) {
			if st.Suggester == nil {
				return nil, nil
			}
			var m suggest.Merch
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, models.Errorf(models.EINVALID, "replicated suggest config: %v", err)
			}
			return st.Suggester.SetMerch(m)
		},
		writeSettings: func(_ context.Context, data []byte) (any, error) {
			var err error
			switch string(data) {
			case slotPinsKey:
				if st.Pins != nil {
					err = st.Pins.Reload()
				}
			case sensitiveKey:
				if st.Sensitive != nil {
					err = st.Sensitive.Reload()
				}
			}
			if err != nil { // Redis went away after the save: the poll catches up
				s.errLog.Printf("replication: reload %s: %v", data, err)
			}
			return nil, nil
		},
	}
}

// catalogWrite runs one write: through the stream with replication, else
// by calling local.
func (s *Server) catalogWrite(ctx context.Context, kind string, payload any, local func() (any, error)) (any, error) {
	if s.repl == nil {
		return local()
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode the %s write: %w", kind, err)
	}
	return s.repl.w.Write(ctx, kind, data)
}

// upsert, remove, patch and patchOne are the engine's writes, replicated
// when WithReplication was called.
func (s *Server) upsert(ctx context.Context, ps []models.Product) error {
	_, err := s.catalogWrite(ctx, writeUpsert, ps, func() (any, error) { return nil, s.engine.Upsert(ps) })
	return err
}

func (s *Server) remove(ctx context.Context, ids []string) error {
	_, err := s.catalogWrite(ctx, writeDelete, ids, func() (any, error) { return nil, s.engine.Delete(ids) })
	return err
}

func (s *Server) patch(ctx context.Context, us []query.Update) (query.PatchResult, error) {
	v, err := s.catalogWrite(ctx, writePatch, us, func() (any, error) { return s.engine.Patch(ctx, us) })
	res, _ := v.(query.PatchResult)
	if err == nil && res.Rejected == nil {
		res.Rejected = []query.PatchRejection{}
	}
	return res, err
}

func (s *Server) patchOne(ctx context.Context, id string, pt models.ProductPatch) (models.Product, error) {
	if _, ok := s.engine.Store().Get(id); !ok && s.repl != nil {
		return models.Product{}, errNoItem(id) // nothing to put in the stream
	}
	v, err := s.catalogWrite(ctx, writePatchOne, query.Update{ID: id, Patch: pt},
		func() (any, error) { return s.engine.PatchOne(ctx, id, pt) })
	p, _ := v.(models.Product)
	return p, err
}

// setSuggestConfig saves a suggest configuration, on every replica with
// replication.
func (s *Server) setSuggestConfig(ctx context.Context, sg Suggester, m suggest.Merch) (suggest.Merch, error) {
	v, err := s.catalogWrite(ctx, writeSuggest, m, func() (any, error) { return sg.SetMerch(m) })
	saved, _ := v.(suggest.Merch)
	return saved, err
}

// settingSaved tells the other replicas to reload setting at once
// (slotPinsKey, sensitiveKey); without replication they poll for it.
func (s *Server) settingSaved(ctx context.Context, setting string) {
	if s.repl == nil {
		return
	}
	if _, err := s.repl.w.Write(ctx, writeSettings, []byte(setting)); err != nil {
		// Saved in the shared store all the same: the others see it at
		// their next poll (--model-poll).
		s.errLog.Printf("replication: announce the change of %s: %v", setting, err)
	}
}
