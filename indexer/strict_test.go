package indexer

import (
	"strings"
	"testing"

	"shopsearch/models"
)

func TestStrictInput(t *testing.T) {
	bad := "\xff\xfe"
	for _, tc := range []struct{ name, in, want string }{
		{"invalid UTF-8 in title", `{"id":"a","title":"手机` + bad + `"}`, "title: invalid UTF-8"},
		{"invalid UTF-8 in an attribute", `{"id":"a","title":"t","attributes":{"颜色":"` + bad + `"}}`, "attributes: invalid UTF-8"},
		{"invalid UTF-8 in a name", `{"id":"a","title":"t","x` + bad + `":1}`, "invalid UTF-8 in a field name"},
		{"NUL in title", `{"id":"a","title":"手\u0000机"}`, "title: control character U+0000 at byte 3"},
		{"escape in brand", `{"id":"a","title":"t","brand":"\u001b[31m"}`, "brand: control character U+001B"},
		{"NUL in attribute key", `{"id":"a","title":"t","attributes":{"a\u0000":"b"}}`, `attributes: key "a\x00": control character U+0000 at byte 1`},
		{"bell in region", `{"id":"a","title":"t","regions":["b\u0007j"]}`, "regions entry 1: control character U+0007 at byte 1"},
		{"numeric id", `{"id":123,"title":"t"}`, "id: want a string, got a number"},
		{"boolean id", `{"id":true,"title":"t"}`, "id: want a string, got a boolean"},
		{"duplicate field", `{"id":"a","title":"t","title":"u"}`, `duplicate field "title"`},
		{"duplicate by escape", `{"id":"a","title":"t","t\u0069tle":"u"}`, `duplicate field "title"`},
		{"duplicate nested", `{"id":"a","title":"t","attributes":{"c":"1","c":"2"}}`, `attributes: duplicate key "c"`},
		{"duplicate deep", `{"id":"a","title":"t","stock":{"total":1,"regions":{"bj":1,"bj":2}}}`, `stock: duplicate key "bj"`},
	} {
		_, err := DecodeProduct([]byte(tc.in))
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want EINVALID %q", tc.name, err, tc.want)
		}
	}
	// What stays accepted: the same names in different objects, tabs and
	// newlines in text, DEL (the shared titles have it), escapes that are
	// not controls, numbers as text elsewhere.
	for _, in := range []string{
		`{"id":"a","title":"t","attributes":{"title":"x"},"stock":{"total":1,"regions":{"total":1}}}`,
		`{"id":"a","title":"a\tb\nc","subtitle":"x\r\ny","brand":"得力` + "\x7f" + `"}`,
		`{"id":"a\/b","title":"\u624b\u673a","shop_id":12}`,
		`{"id":"a","title":"t","category":["a","a"],"regions":["bj","bj"]}`,
	} {
		if _, err := DecodeProduct([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"price":1,"price":2}`, `duplicate field "price"`},
		{`{"promo_tag":"满\u0000减"}`, "promo_tag: control character U+0000"},
		{`{"promo_tag":"` + bad + `"}`, "promo_tag: invalid UTF-8"},
		{`{"region_stock":{"bj":1,"bj":2}}`, `region_stock: duplicate key "bj"`},
	} {
		_, err := DecodePatch([]byte(tc.in))
		if models.ErrorCode(err) != models.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("patch %s: %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, _, err := DecodeUpdate([]byte(`{"id":"a","id":"b","stock":1}`)); err == nil || !strings.Contains(err.Error(), `duplicate field "id"`) {
		t.Errorf("update with two ids: %v", err)
	}
}

// The catalog files follow the same rules, line by line; a catalog may
// still give a numeric id (kept as written).
func TestStrictCatalogLines(t *testing.T) {
	in := `{"id":"a","title":"好` + "\xff" + `"}
{"id":"b","title":"t","title":"u"}
{"id":"c","title":"x\u0000"}
{"id":4,"title":"数字编号"}
{"id":"e","title":"好"}
`
	var got []string
	var reasons []string
	st, err := ReadCatalog(strings.NewReader(in), FormatJSONL, func(p models.Product) error {
		got = append(got, p.ID)
		return nil
	}, func(r Reject) { reasons = append(reasons, r.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != 2 || strings.Join(got, ",") != "4,e" || len(reasons) != 3 ||
		reasons[0] != "title: invalid UTF-8" || !strings.Contains(reasons[1], "duplicate") || !strings.Contains(reasons[2], "U+0000") {
		t.Errorf("stats %v, accepted %v, rejects %q", st, got, reasons)
	}
	csvIn := "id,title\na,好\xff\nb,好\n"
	reasons = nil
	st, err = ReadCatalog(strings.NewReader(csvIn), FormatCSV, nil, func(r Reject) { reasons = append(reasons, r.Reason) })
	if err != nil || st.Accepted != 1 || len(reasons) != 1 || reasons[0] != "title: invalid UTF-8" {
		t.Errorf("csv: %v %v %q", st, err, reasons)
	}
}

// A write that fails after its log line was synced — here the index
// refuses the batch — is cut off the log, so it does not come back when
// the generation is opened again.
func TestFailedWriteNotReplayed(t *testing.T) {
	dir := t.TempDir()
	if _, err := Build(dir, sampleProducts(), BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, before, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Upsert([]models.Product{{ID: "ok1", Title: "成功的写入"}}); err != nil {
		t.Fatal(err)
	}
	size, _ := cat.LogSize()
	cat.idx.Close() // every later batch fails
	if err := cat.Upsert([]models.Product{{ID: "lost1", Title: "失败的写入"}}); err == nil {
		t.Fatal("upsert into a closed index succeeded")
	}
	if err := cat.Delete([]string{"ok1"}); err == nil {
		t.Fatal("delete from a closed index succeeded")
	}
	if after, _ := cat.LogSize(); after != size {
		t.Errorf("log %d bytes after the failed writes, want %d", after, size)
	}
	cat.log.Close()
	got := reopen(t, dir)
	if _, ok := got["lost1"]; ok {
		t.Error("the failed upsert came back at open")
	}
	if _, ok := got["ok1"]; !ok {
		t.Error("the failed delete came back at open (or the good upsert was lost)")
	}
	if len(got) != len(before)+1 {
		t.Errorf("%d products, want %d", len(got), len(before)+1)
	}
}
