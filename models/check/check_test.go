package check

import (
	"math"
	"testing"

	"shopsearch/models"
)

type doc struct {
	ID    string            `json:"id"`
	Total int               `json:"total"`
	Parts map[string]int    `json:"parts"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
	Price float64           `json:"price"`
	Items []item            `json:"items"`
}

type item struct {
	Name string `json:"name"`
}

// TestCheckWording: each failure names the JSON field, the entry or key
// within it, and what is wrong; fields named first are reported first.
func TestCheckWording(t *testing.T) {
	c := New("entry")
	c.KeyAlias("k", "notblank,line,max=3")
	c.Rules(doc{}, map[string]string{
		"ID":    "notblank,maxbytes=4,nocontrol",
		"Total": "gte=0",
		"Parts": "dive,gte=0",
		"Tags":  "cap=2,dive,notblank",
		"Attrs": "dive,keys,k,endkeys,utf8,text",
		"Price": "finite,gte=0",
		"Items": "dive",
	}, "Parts")
	c.Rules(item{}, map[string]string{"Name": "max=2"})
	ok := doc{ID: "a"}
	for _, tt := range []struct {
		edit      func(*doc)
		code, msg string
	}{
		{func(d *doc) {}, "", ""},
		{func(d *doc) { d.ID = " " }, models.EINVALID, "id: required"},
		{func(d *doc) { d.ID = "abcde" }, models.EINVALID, "id: longer than 4 bytes"},
		{func(d *doc) { d.ID = "a\tb" }, models.EINVALID, "id: contains control characters or invalid UTF-8"},
		{func(d *doc) { d.Total, d.Parts = -2, map[string]int{"x": -1, "b": -1} }, models.EINVALID, `parts: value of "b": must be ≥ 0, got -1`},
		{func(d *doc) { d.Tags = []string{"a", " "} }, models.EINVALID, "tags entry 2: empty"},
		{func(d *doc) { d.Tags = []string{"a", "b", "c"} }, models.ETOOLARGE, "tags: 3 entries; the limit is 2"},
		{func(d *doc) { d.Attrs = map[string]string{"long": "v"} }, models.EINVALID, `attrs: key "long": 4 characters, at most 3 allowed`},
		{func(d *doc) { d.Attrs = map[string]string{"k": "a\x07"} }, models.EINVALID, `attrs: value of "k": control character U+0007 at byte 1`},
		{func(d *doc) { d.Attrs = map[string]string{"k": "a\n\xff"} }, models.EINVALID, `attrs: value of "k": invalid UTF-8`},
		{func(d *doc) { d.Price = math.Inf(1) }, models.EINVALID, "price: must be a finite number, got +Inf"},
		{func(d *doc) { d.Items = []item{{"ab"}, {"abc"}} }, models.EINVALID, "items entry 2: name: 3 characters, at most 2 allowed"},
	} {
		d := ok
		tt.edit(&d)
		err := c.Check(&d)
		if models.ErrorCode(err) != tt.code || (err != nil && models.ErrorMessage(err) != tt.msg) {
			t.Errorf("%+v: got %v; want %q %q", d, err, tt.code, tt.msg)
		}
	}
	if err := c.CheckValue(`codes: key "a b"`, "a\x01", "k"); models.ErrorMessage(err) != `codes: key "a b": control character U+0001 at byte 1` {
		t.Errorf("CheckValue: %v", err)
	}
}
