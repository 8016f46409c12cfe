package rank

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
)

// ProfileStore is where Profiles keeps the versions of every profile and
// the selection (store.Embedded implements it; see package store).
type ProfileStore interface {
	// AppendProfile stores a version; it fails with models.ECONFLICT unless
	// version is one more than the latest stored one.
	AppendProfile(name string, version int, data []byte) error
	// ProfileVersions visits every stored version, by name and version.
	ProfileVersions(fn func(name string, version int, data []byte) error) error
	PutSetting(key string, data []byte) error
	Setting(key string) ([]byte, error) // nil when never stored
}

// selectionKey is the setting that holds the Selection.
const selectionKey = "selection"

// maxProfiles caps the number of profile names.
const maxProfiles = 100

// Profiles manages the weight profiles: every version is kept in the store;
// the current version of each name is served from memory. A Put is visible
// to the next search (an atomic swap of an immutable snapshot), and a
// "default" profile always exists: DefaultProfile, as version 0, until one
// is saved.
type Profiles struct {
	st  ProfileStore
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[profileState]
}

// profileState is an immutable snapshot. Searches hold pointers into it.
type profileState struct {
	history map[string][]*models.WeightProfile // by name; versions ascending
	sel     Selection
}

func (st *profileState) current(name string) *models.WeightProfile {
	h := st.history[name]
	if len(h) == 0 {
		return nil
	}
	return h[len(h)-1]
}

// NewProfiles loads the profiles and the selection from st.
func NewProfiles(st ProfileStore) (*Profiles, error) {
	p := &Profiles{st: st}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload re-reads the store, for a replica to pick up what another one
// saved.
func (p *Profiles) Reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reload()
}

func (p *Profiles) reload() error {
	def := DefaultProfile()
	st := &profileState{history: map[string][]*models.WeightProfile{"default": {&def}}}
	err := p.st.ProfileVersions(func(name string, version int, data []byte) error {
		var wp models.WeightProfile
		if err := json.Unmarshal(data, &wp); err != nil {
			return fmt.Errorf("profile %q version %d: %w", name, version, err)
		}
		wp.Name, wp.Version = name, version
		st.history[name] = append(st.history[name], &wp)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load profiles: %w", err)
	}
	data, err := p.st.Setting(selectionKey)
	if err != nil {
		return fmt.Errorf("load the profile selection: %w", err)
	}
	if data != nil {
		if err := json.Unmarshal(data, &st.sel); err != nil {
			return fmt.Errorf("load the profile selection: %w", err)
		}
		if err := validSelection(&st.sel, func(name string) bool { return st.current(name) != nil }); err != nil {
			return fmt.Errorf("load the profile selection: %w", err)
		}
	}
	p.cur.Store(st)
	return nil
}

// Get returns a copy of the current version of the profile name.
func (p *Profiles) Get(name string) (models.WeightProfile, bool) {
	if wp := p.cur.Load().current(name); wp != nil {
		return cloneProfile(wp), true
	}
	return models.WeightProfile{}, false
}

// List returns the current version of every profile, by name.
func (p *Profiles) List() []models.WeightProfile {
	st := p.cur.Load()
	out := make([]models.WeightProfile, 0, len(st.history))
	for name := range st.history {
		out = append(out, cloneProfile(st.current(name)))
	}
	slices.SortFunc(out, func(a, b models.WeightProfile) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// History returns every version of the profile name, oldest first; for
// "default" it starts with the built-in version 0.
func (p *Profiles) History(name string) ([]models.WeightProfile, bool) {
	h, ok := p.cur.Load().history[name]
	out := make([]models.WeightProfile, len(h))
	for i, wp := range h {
		out[i] = cloneProfile(wp)
	}
	return out, ok
}

// Put validates wp (see ValidateProfile) and saves it as the next version
// of its name, by author with a note; it is what the next search uses.
func (p *Profiles) Put(wp models.WeightProfile, author, note string) (models.WeightProfile, error) {
	if err := ValidateProfile(&wp); err != nil {
		return models.WeightProfile{}, err
	}
	author, note, err := validAuthor(author, note)
	if err != nil {
		return models.WeightProfile{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.cur.Load()
	h := st.history[wp.Name]
	if h == nil && len(st.history) >= maxProfiles {
		return models.WeightProfile{}, models.Errorf(models.ETOOLARGE, "there are %d profiles already, the most allowed", maxProfiles)
	}
	wp.Version = 1
	if len(h) > 0 {
		wp.Version = h[len(h)-1].Version + 1
	}
	wp.Author, wp.Note, wp.UpdatedAt = author, note, time.Now().UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(&wp)
	if err != nil {
		return models.WeightProfile{}, fmt.Errorf("encode profile %q: %w", wp.Name, err)
	}
	if err := p.st.AppendProfile(wp.Name, wp.Version, data); err != nil {
		if models.ErrorCode(err) == models.ECONFLICT { // another replica saved first
			if rerr := p.reload(); rerr != nil {
				return models.WeightProfile{}, fmt.Errorf("%w (reload: %v)", err, rerr)
			}
		}
		return models.WeightProfile{}, fmt.Errorf("save profile %q: %w", wp.Name, err)
	}
	next := &profileState{history: make(map[string][]*models.WeightProfile, len(st.history)+1), sel: st.sel}
	for name, vs := range st.history {
		next.history[name] = vs
	}
	saved := wp
	next.history[wp.Name] = append(slices.Clip(h), &saved)
	p.cur.Store(next)
	return cloneProfile(&saved), nil
}

// Rollback saves a copy of an old version of the profile name as its next
// version, noted "rollback to vN".
func (p *Profiles) Rollback(name string, version int, author string) (models.WeightProfile, error) {
	h, ok := p.cur.Load().history[name]
	if !ok {
		return models.WeightProfile{}, models.Errorf(models.ENOTFOUND, "no profile %q", models.Clip(name))
	}
	i, found := slices.BinarySearchFunc(h, version, func(wp *models.WeightProfile, v int) int { return cmp.Compare(wp.Version, v) })
	if !found {
		return models.WeightProfile{}, models.Errorf(models.ENOTFOUND, "profile %q has no version %d (versions %d to %d)",
			name, version, h[0].Version, h[len(h)-1].Version)
	}
	return p.Put(cloneProfile(h[i]), author, fmt.Sprintf("rollback to v%d", version))
}
