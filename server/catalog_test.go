package server

import (
	"net/http"
	"strings"
	"testing"

	"shopsearch/models"
)

func TestBuildCatalog(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken, MaxBodyBytes: 64})
	auth := "Bearer " + testToken
	catalog := `{"id":"n1","title":"新 目录 手机"}` + "\n" + `{"id":"n2","title":"新 目录 耳机","price":"x"}` + "\n" + `{"id":"n3","title":"新 目录 充电器"}` + "\n"
	do(t, s, "POST", "/api/admin/catalog", catalog, "Content-Type", "application/x-ndjson").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	do(t, s, "POST", "/api/admin/catalog", catalog, "Authorization", auth, "Content-Type", "text/plain").errorOf(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
	do(t, s, "POST", "/api/admin/catalog?format=xml", catalog, "Authorization", auth, "Content-Type", "application/x-ndjson").errorOf(t, http.StatusBadRequest, models.EINVALID)
	do(t, s, "POST", "/api/admin/catalog", "{\"id\":1}\n", "Authorization", auth, "Content-Type", "application/x-ndjson").errorOf(t, http.StatusBadRequest, models.EINVALID)
	// The catalog is over MaxBodyBytes (64): it has a limit of its own.
	r := do(t, s, "POST", "/api/admin/catalog", catalog, "Authorization", auth, "Content-Type", "application/x-ndjson")
	if r.status != http.StatusOK {
		t.Fatalf("build: %d %s", r.status, r.body)
	}
	var out CatalogBuild
	r.decode(t, &out)
	if out.Products != 2 || out.Rejected != 1 || len(out.Rejects) != 1 || out.Rejects[0].Line != 2 ||
		out.Generation == "" || out.Generation == out.Serving || !strings.Contains(out.Note, "restart") {
		t.Errorf("answer %+v", out)
	}
	// The server goes on serving what it opened.
	if r := do(t, s, "GET", "/api/items/p01", ""); r.status != http.StatusOK {
		t.Errorf("p01 after the build: %d", r.status)
	}
	csv := "id,title\nc1,\"新 目录\nc2,新 目录 二\n"
	r = do(t, s, "POST", "/api/admin/catalog?format=csv", csv, "Authorization", auth, "Content-Type", "text/csv")
	r.decode(t, &out)
	if r.status != http.StatusOK || out.Products != 1 || out.Rejected != 1 || !strings.Contains(out.Rejects[0].Reason, "unclosed quote") {
		t.Errorf("csv build: %d %s", r.status, r.body)
	}
}
