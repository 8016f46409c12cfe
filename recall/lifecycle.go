package recall

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	"shopsearch/recall/ctr"
)

// The model lifecycle of a Service (this file): the recall model, the
// scenes' recipes and the CTR model are loaded from the data directory,
// watched for new versions (another replica or a train run publishes them)
// and retrained on a schedule — the CTR model on the sample log, the recall
// model on the behaviour store's events and/or files — each swap atomic.

// Model files and the sample log a Service keeps in its data directory.
const (
	ModelFile    = "model"       // shopsearch train --out DATA/model writes it
	CTRModelFile = "cts.model"   // shopsearch train --ctr-out writes it
	SampleDir    = "ctr-samples" // the CTR sample log (ctr.SampleLog)
	ScenesFile   = "scenes.json" // the scenes' quotas and fallbacks (ReadSceneConfig); optional
)

// fileSig identifies a version of a file: size, modification time and a
// hash of its first sigHead bytes. The time alone is not enough: the
// kernel stamps files at a coarse clock, so two models published within a
// few milliseconds (same size, same time) would look alike; the model
// files carry a checksum of their content in that head, and scenes.json
// fits in it.
type fileSig struct {
	size int64
	mod  time.Time
	head uint64
}

// sigHead is how much of a file its signature hashes.
const sigHead = 4096

func statSig(path string) (fileSig, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileSig{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileSig{}, err
	}
	h := fnv.New64a()
	if _, err := io.CopyN(h, f, sigHead); err != nil && !errors.Is(err, io.EOF) {
		return fileSig{}, err
	}
	return fileSig{fi.Size(), fi.ModTime(), h.Sum64()}, nil
}

// models returns the current scenes and CTR model: the fixed scenes of
// ServiceConfig.Scenes when there are no others.
func (s *Service) models() (map[string]Recaller, *ctr.Model) {
	scenes := s.cfg.Scenes
	if p := s.scenes.Load(); p != nil {
		scenes = *p
	}
	return scenes, s.ctrModel.Load()
}

func (s *Service) path(name string) string { return filepath.Join(s.cfg.DataDir, name) }

func (s *Service) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// startModels loads the models, opens the sample log and starts the
// goroutines: the watcher (every ModelPoll) and the retrainings (every
// CTRRetrain, RecallRetrain), each only when its interval is positive.
// Without a data directory the catalog's recallers carry the scenes.
func (s *Service) startModels() error {
	if s.cfg.Scenes != nil {
		return nil // fixed scenes: nothing to load or watch
	}
	if s.cfg.DataDir == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.swapScenes(nil)
	}
	if err := s.loadScenes(true); err != nil {
		return err
	}
	if err := s.loadRecall(true); err != nil {
		return err
	}
	if err := s.loadCTR(true); err != nil {
		return err
	}
	if !s.cfg.NoSampleLog {
		l, err := ctr.OpenSampleLog(s.path(SampleDir), ctr.SampleLogConfig{})
		if err != nil {
			return err
		}
		s.samples = l
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	every := func(d time.Duration, f func()) {
		if d <= 0 {
			return
		}
		s.wg.Go(func() {
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					f()
				}
			}
		})
	}
	poll := s.cfg.ModelPoll
	if poll == 0 {
		poll = 10 * time.Second
	}
	every(poll, s.Watch)
	every(s.cfg.CTRRetrain, func() {
		if err := s.RetrainCTR(); err != nil {
			s.logf("ctr retraining: %v", err)
		}
	})
	if s.retrainsRecall() {
		every(s.cfg.RecallRetrain, func() {
			if err := s.RetrainRecall(ctx); err != nil {
				s.logf("recall retraining: %v", err)
			}
		})
	}
	return nil
}

// Close stops the watcher and the retrainings and closes the sample log.
func (s *Service) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.samples != nil {
		return s.samples.Close()
	}
	return nil
}

// Watch reloads a model whose file changed since it was loaded, and the
// slot pins and sensitive categories (another replica may have saved
// them); serve calls it every ModelPoll.
func (s *Service) Watch() {
	if s.cfg.Pins != nil {
		if err := s.cfg.Pins.Reload(); err != nil {
			s.logf("%v (keeping the pins in use)", err)
		}
	}
	if s.cfg.Sensitive != nil {
		if err := s.cfg.Sensitive.Reload(); err != nil {
			s.logf("%v (keeping the sensitive categories in use)", err)
		}
	}
	if s.cfg.Scenes != nil || s.cfg.DataDir == "" {
		return
	}
	if err := s.loadScenes(false); err != nil {
		s.logf("%v (keeping the scenes in use)", err)
	}
	if err := s.loadRecall(false); err != nil {
		s.logf("%v (keeping the model in use)", err)
	}
	if err := s.loadCTR(false); err != nil {
		s.logf("%v (keeping the model in use)", err)
	}
}

// UseCTR swaps in m as the CTR model (nil: the heuristic blend ranks)
// until the watcher next loads a changed model file.
func (s *Service) UseCTR(m *ctr.Model) { s.ctrModel.Store(m) }

// loadRecall (re)loads DATA/model when its file changed (or first)
// and swaps in scenes over it. A missing file is no error: the catalog
// recallers carry the scenes. At first a bad file is an error; later it is
// logged and the model in use stays.
func (s *Service) loadRecall(first bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.path(ModelFile)
	sig, err := statSig(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first {
			s.logf("no %s yet (shopsearch train writes one); catalog recallers only", path)
			return s.swapScenes(nil)
		}
		return nil
	case err != nil:
		return fmt.Errorf("recall model: %w", err)
	case !first && sig == s.recallSig:
		return nil
	}
	mod, err := Load(path)
	if err != nil {
		if first {
			return err
		}
		s.recallSig = sig // do not retry a bad file until it changes
		return err
	}
	s.recallSig = sig
	s.logf("model %s (%s)", path, mod.Stats())
	return s.swapScenes(mod)
}

// swapScenes makes the scenes over mod and the scene config; callers hold
// mu.
func (s *Service) swapScenes(mod *Model) error {
	scenes, err := SceneRecallers(s.hot.deps(mod, s.sceneCfg))
	if err != nil {
		return err
	}
	if mod != s.model { // the complements mined from its co-purchases, if it has any of the catalog's
		comp := minedComplements(mod, s.cfg.Catalog.Store())
		if comp != nil {
			s.logf("complements: %d leaf categories mined from the model's co-purchases", comp.Mined())
		} else {
			comp = DefaultComplements()
		}
		s.hot.comp.Store(comp)
	}
	s.model = mod
	s.scenes.Store(&scenes)
	return nil
}

// loadScenes (re)reads DATA/scenes.json, the scenes' quotas and fallbacks,
// when it changed (or first), and remakes the scenes (after the first
// time: loadRecall makes them then). Without the file the defaults hold;
// a bad file fails the start, and later is logged and ignored.
func (s *Service) loadScenes(first bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.path(ScenesFile)
	sig, err := statSig(path)
	var cfg SceneConfig
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first || s.scenesSig == (fileSig{}) {
			return nil
		}
		sig = fileSig{} // removed: back to the defaults
	case err != nil:
		return fmt.Errorf("scenes: %w", err)
	case !first && sig == s.scenesSig:
		return nil
	default:
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("scenes: %w", err)
		}
		cfg, err = ReadSceneConfig(f)
		f.Close()
		s.scenesSig = sig
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s.logf("scenes from %s", path)
	}
	s.scenesSig, s.sceneCfg = sig, cfg
	if first {
		return nil
	}
	return s.swapScenes(s.model)
}

// loadCTR (re)loads DATA/cts.model like loadRecall; without one the
// heuristic blend ranks.
func (s *Service) loadCTR(first bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.path(CTRModelFile)
	sig, err := statSig(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if first {
			s.logf("no %s yet (shopsearch train --ctr-samples writes one); the heuristic blend ranks", path)
		}
		return nil
	case err != nil:
		return fmt.Errorf("ctr model: %w", err)
	case !first && sig == s.ctrSig:
		return nil
	}
	s.ctrSig = sig
	mod, err := ctr.Load(path)
	if err != nil {
		return err
	}
	s.ctrModel.Store(mod)
	s.logf("%s (%s)", path, mod)
	return nil
}

// RetrainCTR trains the CTR model on the sample log and publishes it; too
// few samples leave the current model (or the heuristic) in place. Serve
// calls it every CTRRetrain.
func (s *Service) RetrainCTR() error {
	if s.samples == nil {
		return nil
	}
	if err := s.samples.Flush(); err != nil {
		return err
	}
	samples, st, err := ctr.ReadSamples([]string{s.samples.Dir()}, ctr.DefaultJoinWindow)
	if err != nil {
		return err
	}
	mod, err := ctr.Train(samples, ctr.DefaultConfig())
	if errors.Is(err, ctr.ErrTooFewSamples) {
		s.logf("ctr retraining skipped: %v (%s)", err, st)
		return nil
	}
	if err != nil {
		return err
	}
	if err := mod.Save(s.path(CTRModelFile)); err != nil {
		return err
	}
	return s.loadCTR(false)
}

// retrainsRecall reports whether RetrainRecall has anything to read.
func (s *Service) retrainsRecall() bool {
	return s.cfg.RecallBehavior != "" || s.cfg.RecallSessions != "" || s.cfg.RecallStore != nil
}

// recallGap splits a shopper's events into sessions.
const recallGap = 30 * time.Minute

// RetrainRecall rebuilds the recall model from the configured behaviour
// CSV and/or sessions file and the events that reached the behaviour store
// (RecallStore), publishes it and swaps it in: the loop events → store →
// model → slots. Serve calls it every RecallRetrain.
func (s *Service) RetrainRecall(ctx context.Context) error {
	sessions, cats, err := readTraining(s.cfg.RecallSessions, s.cfg.RecallBehavior, recallGap)
	if err != nil {
		return err
	}
	if s.cfg.RecallStore != nil {
		store := s.cfg.Catalog.Store()
		evs, err := EventsFromStore(ctx, s.cfg.RecallStore, func(id string) string {
			p, _ := store.Get(id)
			return p.Category
		})
		if err != nil {
			return err
		}
		if cats == nil {
			cats = map[string]string{}
		}
		for _, e := range evs {
			if _, ok := cats[e.Item]; !ok && e.Category != "" {
				cats[e.Item] = e.Category
			}
		}
		sessions = append(sessions, SessionsFromEvents(evs, recallGap)...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	mod, err := Build(sessions, cats, DefaultConfig())
	if err != nil {
		return err
	}
	if err := mod.Save(s.path(ModelFile)); err != nil {
		return err
	}
	s.logf("recall model retrained on %d sessions", len(sessions))
	return s.loadRecall(false)
}

// CTRModel returns the CTR model in use; nil: the heuristic blend ranks.
func (s *Service) CTRModel() *ctr.Model { return s.ctrModel.Load() }
