package server

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/store"
)

// positionSaver is a Replicator that can say where in the stream a
// generation built here stands (store.Replica).
type positionSaver interface {
	EncodedPosition() string // as a position file holds it
	SavePositionTo(path string) error
}

// catalogPath is the route of a build handed to the running server:
//
//	POST /api/admin/catalog?format=jsonl|csv   body: the catalog file (gzip allowed)
//
// It builds and publishes a new generation of the data directory from the
// catalog while the server goes on serving; every write the server
// acknowledges from the start of the request is kept in the new
// generation (indexer.Catalog.BuildNext). The server keeps searching the
// generation it opened until it is restarted. `shopsearch index` sends its
// build here when a serve owns the data directory.
const catalogPath = "/api/admin/catalog"

// catalogTypes are the Content-Types a catalog upload may have.
var catalogTypes = map[string]bool{"application/x-ndjson": true, "application/jsonl": true, "application/json": true,
	"text/csv": true, "application/gzip": true, "application/octet-stream": true}

// CatalogBuild is the answer of POST /api/admin/catalog.
type CatalogBuild struct {
	Generation string          `json:"generation"` // published
	Serving    string          `json:"serving"`    // what this process searches until restarted
	Products   int             `json:"products"`
	Lines      int             `json:"lines"`
	Rejected   int             `json:"rejected"`
	Rejects    []CatalogReject `json:"rejects"` // the first ten
	Seconds    float64         `json:"seconds"`
	Note       string          `json:"note"`
	stats      indexer.ImportStats
}

// CatalogReject is a rejected line of an uploaded catalog.
type CatalogReject struct {
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

func (s *Server) buildCatalog(c *gin.Context) {
	if err := s.checkAdmin(c); err != nil {
		s.fail(c, err)
		return
	}
	var format indexer.Format
	switch c.Query("format") {
	case "", "jsonl":
		format = indexer.FormatJSONL
	case "csv":
		format = indexer.FormatCSV
	default:
		s.fail(c, models.Errorf(models.EINVALID, "format: want jsonl or csv, got %q", clip(c.Query("format"))))
		return
	}
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || !catalogTypes[mt] {
		s.fail(c, &mediaTypeError{got: c.GetHeader("Content-Type"),
			want: "a catalog file: Content-Type application/x-ndjson (JSONL), text/csv or application/gzip"})
		return
	}
	// A build outlasts the server's read and write timeouts.
	rc := http.NewResponseController(c.Writer)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxCatalogBytes)
	start := time.Now()
	out := CatalogBuild{Rejects: []CatalogReject{}}
	var p positionSaver
	var startPos string
	if s.repl != nil {
		p, _ = s.repl.w.(positionSaver)
	}
	if p != nil {
		startPos = p.EncodedPosition() // the catalog supersedes the writes before it
	}
	st, err := s.engine.BuildNext(func() ([]models.Product, error) {
		var products []models.Product
		var err error
		out.stats, err = indexer.ReadCatalog(body, format, func(p models.Product) error {
			products = append(products, p)
			return nil
		}, func(r indexer.Reject) {
			if len(out.Rejects) < 10 {
				out.Rejects = append(out.Rejects, CatalogReject{Line: r.Line, ID: r.ID, Reason: r.Reason})
			}
		})
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, models.Errorf(models.ETOOLARGE, "the catalog is over the limit of %d bytes", tooBig.Limit)
		case err != nil && models.ErrorCode(err) == models.EINTERNAL:
			return nil, models.Errorf(models.EINVALID, "read the catalog: %v", err)
		case err != nil:
			return nil, err
		case len(products) == 0:
			return nil, models.Errorf(models.EINVALID, "no valid products in the catalog (%s)", out.stats)
		}
		return products, nil
	}, indexer.BuildOptions{})
	if err != nil {
		s.fail(c, err)
		return
	}
	out.Generation, out.Serving = st.Generation, filepath.Base(s.engine.GenerationDir())
	var shipped string
	if p != nil {
		// The new generation holds every write this replica applied (and
		// goes on applying) from the stream: it resumes where this one is.
		genDir := filepath.Join(filepath.Dir(s.engine.GenerationDir()), st.Generation)
		if err := p.SavePositionTo(filepath.Join(genDir, store.PositionFile)); err != nil {
			s.fail(c, fmt.Errorf("published %s, but could not save its stream position: %w", st.Generation, err))
			return
		}
		// Shipped, the other replicas replay the stream from where the
		// upload began: the catalog and every write since.
		if s.repl.ship != nil {
			if shipped, err = s.repl.ship(c.Request.Context(), genDir, startPos); err != nil {
				s.fail(c, fmt.Errorf("published %s here, but could not ship it to the other replicas: %w", st.Generation, err))
				return
			}
		}
	}
	out.Products, out.Lines, out.Rejected = st.Docs, out.stats.Lines, out.stats.Rejected
	out.Seconds = time.Since(start).Seconds()
	out.Note = fmt.Sprintf("published %s with every write acknowledged since the build began; this server searches %s and "+
		"writes to both until it is restarted: restart serve to search the new catalog%s", out.Generation, out.Serving, shipped)
	s.respond(c, http.StatusOK, out)
}
