package indexer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	publishfile "shopsearch/publish"
)

// Build once, ship the generation: one process builds a generation and
// ships it to a shelf that every replica reads; a replica pulls the latest
// generation shipped, verifies every file against the manifest's SHA-256,
// and publishes it in its own data directory (CURRENT, the same atomic
// steps as a build), to serve from its next start.
//
// A shelf holds, for a generation NAME:
//
//	NAME/FILE...        the generation's immutable files: index/…, products.jsonl.gz, lexicon.json
//	NAME/MANIFEST.json  the files with their sizes and SHA-256, and extra files (the stream position)
//	LATEST              NAME of the latest generation shipped
//
// The manifest is put after the files and LATEST after the manifest, so a
// reader never sees a generation before it is whole. The change log is
// not shipped: the replicas replay the writes since the generation from
// the replication stream instead.

// Shelf is where generations are shipped: a directory every replica can
// read (DirShelf), or an object store — a key is a slash-separated path,
// Put is a PutObject (whole or not at all), Get a GetObject.
type Shelf interface {
	Put(ctx context.Context, key string, r io.Reader) error
	// Get returns the object's content; an error wrapping fs.ErrNotExist
	// when there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// DirShelf is a Shelf in a directory (a shared volume).
type DirShelf string

// Put writes key's file atomically (publish.File).
func (d DirShelf) Put(_ context.Context, key string, r io.Reader) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return publishfile.File(p, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// Get opens key's file.
func (d DirShelf) Get(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (d DirShelf) path(key string) (string, error) {
	if !fs.ValidPath(key) {
		return "", fmt.Errorf("shelf: invalid key %q", key)
	}
	return filepath.Join(string(d), filepath.FromSlash(key)), nil
}

// Manifest describes a shipped generation.
type Manifest struct {
	Generation string            `json:"generation"`
	Shipped    time.Time         `json:"shipped"`
	Files      []ShippedFile     `json:"files"`
	Extra      map[string]string `json:"extra,omitempty"` // small files written as they are (the stream position)
}

// ShippedFile is one file of a shipped generation.
type ShippedFile struct {
	Path   string `json:"path"` // slash-separated, inside the generation
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const (
	manifestFile = "MANIFEST.json"
	latestKey    = "LATEST"
)

// shippedFile reports whether a generation's file is shipped: everything
// but the change log (the stream replays those writes) and files of the
// serving process's own (a stream position, which goes in Extra).
func shippedFile(rel string, extra map[string]string) bool {
	_, isExtra := extra[rel]
	return rel != changesFile && !isExtra && !strings.HasPrefix(path.Base(rel), ".")
}

// Ship puts the generation in genDir on the shelf with its manifest and
// extra files, then makes it the latest. The generation must not change
// while it is shipped: ship a generation no process has opened yet (a
// build not yet served), as serve does after a catalog upload.
func Ship(ctx context.Context, shelf Shelf, genDir string, extra map[string]string, now time.Time) (Manifest, error) {
	name := filepath.Base(genDir)
	if !strings.HasPrefix(name, genPrefix) {
		return Manifest{}, fmt.Errorf("ship: %s is not a generation directory", genDir)
	}
	m := Manifest{Generation: name, Shipped: now.UTC(), Extra: extra}
	err := filepath.WalkDir(genDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(genDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !shippedFile(rel, extra) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		cr := &countingReader{r: io.TeeReader(f, h)}
		if err := shelf.Put(ctx, name+"/"+rel, cr); err != nil {
			return fmt.Errorf("ship %s: %w", rel, err)
		}
		m.Files = append(m.Files, ShippedFile{Path: rel, Size: cr.n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	if err != nil {
		return Manifest{}, fmt.Errorf("ship %s: %w", name, err)
	}
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return Manifest{}, err
	}
	if err := shelf.Put(ctx, name+"/"+manifestFile, strings.NewReader(string(data))); err != nil {
		return Manifest{}, fmt.Errorf("ship %s: manifest: %w", name, err)
	}
	if err := shelf.Put(ctx, latestKey, strings.NewReader(name+"\n")); err != nil {
		return Manifest{}, fmt.Errorf("ship %s: %w", name, err)
	}
	return m, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// LatestShipped returns the name of the latest generation on the shelf, ""
// when none was shipped.
func LatestShipped(ctx context.Context, shelf Shelf) (string, error) {
	rc, err := shelf.Get(ctx, latestKey)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("shelf: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<10))
	if err != nil {
		return "", fmt.Errorf("shelf: %w", err)
	}
	name := strings.TrimSpace(string(data))
	if !strings.HasPrefix(name, genPrefix) || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("shelf: %s names %q, not a generation", latestKey, name)
	}
	return name, nil
}

// Pull makes the latest generation on the shelf the current one of
// dataDir when it is newer (by name: generations are named by build time)
// than the current one: it downloads it beside, checks every file's size
// and SHA-256 against the manifest, writes the manifest's extra files,
// and publishes it as a build does (a crash leaves the previous one
// current). It returns the manifest and whether it pulled. keep is a
// generation the cleanup after publishing must not remove (the one a
// running process serves; "" when none). A file that fails its check
// fails the pull and changes nothing.
func Pull(ctx context.Context, shelf Shelf, dataDir, keep string) (Manifest, bool, error) {
	name, err := LatestShipped(ctx, shelf)
	if err != nil || name == "" {
		return Manifest{}, false, err
	}
	if cur, err := current(dataDir); err == nil && filepath.Base(cur) >= name {
		return Manifest{}, false, nil
	} else if err != nil && !errors.Is(err, ErrNoCatalog) {
		return Manifest{}, false, err
	}
	m, err := readManifest(ctx, shelf, name)
	if err != nil {
		return Manifest{}, false, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return Manifest{}, false, err
	}
	tmp := filepath.Join(dataDir, name+tmpSuffix)
	os.RemoveAll(tmp)
	fail := func(err error) (Manifest, bool, error) {
		os.RemoveAll(tmp)
		return Manifest{}, false, fmt.Errorf("pull %s: %w", name, err)
	}
	for _, f := range m.Files {
		if err := fetch(ctx, shelf, name, f, tmp); err != nil {
			return fail(err)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(m.Extra)) {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if !fs.ValidPath(rel) {
			return fail(fmt.Errorf("manifest: invalid extra file %q", rel))
		}
		if err := publishfile.Bytes(p, []byte(m.Extra[rel])); err != nil {
			return fail(err)
		}
	}
	if err := syncDir(tmp); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, name)); err != nil {
		return fail(err)
	}
	if err := publish(dataDir, name, keep); err != nil {
		return Manifest{}, false, err
	}
	return m, true, nil
}

func readManifest(ctx context.Context, shelf Shelf, name string) (Manifest, error) {
	rc, err := shelf.Get(ctx, name+"/"+manifestFile)
	if err != nil {
		return Manifest{}, fmt.Errorf("pull %s: manifest: %w", name, err)
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(rc).Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("pull %s: manifest: %w", name, err)
	}
	if m.Generation != name || len(m.Files) == 0 {
		return Manifest{}, fmt.Errorf("pull %s: the manifest describes %q with %d files", name, m.Generation, len(m.Files))
	}
	return m, nil
}

// fetch downloads one file into dir and checks it.
func fetch(ctx context.Context, shelf Shelf, name string, f ShippedFile, dir string) error {
	if !fs.ValidPath(f.Path) {
		return fmt.Errorf("manifest: invalid path %q", f.Path)
	}
	rc, err := shelf.Get(ctx, name+"/"+f.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	p := filepath.Join(dir, filepath.FromSlash(f.Path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	h := sha256.New()
	var n int64
	err = publishfile.File(p, func(w io.Writer) error {
		var err error
		n, err = io.Copy(io.MultiWriter(w, h), rc)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Size || sum != f.SHA256 {
		return fmt.Errorf("%s fails its check: %d bytes with SHA-256 %s, the manifest says %d bytes with %s", f.Path, n, sum, f.Size, f.SHA256)
	}
	return nil
}
