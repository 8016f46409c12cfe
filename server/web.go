package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
)

// The pages' Content-Security-Policy: scripts and styles from this origin
// only (no inline code), API calls to this origin, product images from any
// https host.
const (
	storefrontCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// asset is one embedded file ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// webRoutes registers the storefront (/), the console (/admin) and their
// static files (/static/...), all embedded in the binary, and the console's
// own admin endpoints (console.go).
func (s *Server) webRoutes(r *gin.Engine) {
	assets, err := loadAssets()
	if err != nil {
		// The pages are part of the binary and tested; failing to read them
		// is a build defect.
		panic(fmt.Sprintf("server: embedded web assets: %v", err))
	}
	page := func(name, csp string) gin.HandlerFunc {
		a := assets[name]
		return func(c *gin.Context) {
			h := c.Writer.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			s.serveAsset(c, a)
		}
	}
	r.GET("/", page("index.html", storefrontCSP))
	r.GET("/admin", page("admin.html", consoleCSP))
	r.GET("/static/*name", func(c *gin.Context) {
		a, ok := assets[path.Join("static", strings.TrimPrefix(c.Param("name"), "/"))]
		if !ok || strings.Contains(c.Param("name"), "..") {
			s.fail(c, models.Errorf(models.ENOTFOUND, "no static file %q", clip(c.Param("name"))))
			return
		}
		s.serveAsset(c, a)
	})
	s.consoleRoutes(r)
}

// serveAsset writes a with its type and ETag; the browser revalidates
// every time (no-cache), so a new binary's pages show at once, and an
// unchanged file costs a 304.
func (s *Server) serveAsset(c *gin.Context, a *asset) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if match := c.GetHeader("If-None-Match"); match != "" && match == a.etag {
		c.Status(http.StatusNotModified)
		c.Abort()
		return
	}
	c.Data(http.StatusOK, a.ctype, a.body)
}

// loadAssets reads every embedded file under web/, keyed by its path
// below web/ ("index.html", "static/app.js").
func loadAssets() (map[string]*asset, error) {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	out := map[string]*asset{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) { // the system's MIME table may lack or differ on these
		case ".html":
			ctype = "text/html; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		out[name] = &asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, need := range []string{"index.html", "admin.html"} {
		if out[need] == nil {
			return nil, fmt.Errorf("%s is missing", need)
		}
	}
	return out, nil
}
