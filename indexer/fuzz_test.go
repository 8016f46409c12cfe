package indexer

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"shopsearch/models"
)

// Fuzz tests of the parsers of outside input: catalog files (JSONL and
// CSV), the API's product and patch documents, and the strict JSON scan.
// The seeds below and the corpus in testdata/fuzz run in every go test;
// go test -fuzz=FuzzName ./indexer searches further (doc/reliability.md).
// The properties: no panic; every accepted product passes ValidateProduct;
// the import's counts add up.

func catalogSeeds(f *testing.F, path string) {
	f.Helper()
	if b, err := os.ReadFile(path); err == nil {
		f.Add(b)
	}
}

func FuzzReadCatalogJSONL(f *testing.F) {
	f.Add([]byte(mixedJSONL))
	f.Add([]byte(`{"id":"a","title":"t","stock":{"total":1,"regions":{"bj":1}},"attributes":{"k":"v"},"listed_at":"2024-05-01"}` + "\n"))
	f.Add([]byte("{\"id\":\"a\",\"title\":\"\xff\"}\n{\"id\":\"b\",\"title\":\"x\",\"title\":\"y\"}\n"))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, data, FormatJSONL)
	})
}

func FuzzReadCatalogCSV(f *testing.F) {
	catalogSeeds(f, "testdata/catalog.csv")
	f.Add([]byte("id,title,price\na,\"手机,1\nb,耳机\",2\nc,充电器,3\n"))
	f.Add([]byte("id,title\r\n\"a\"\"b\",\"x\r\ny\"\r\n"))
	f.Add([]byte("id,title,attributes,region_stock\na,t,k=v|k2=v2,bj:1|sh:x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, data, FormatCSV)
	})
}

func checkImport(t *testing.T, data []byte, format Format) {
	var seen []string
	st, err := ReadCatalog(bytes.NewReader(data), format, func(p models.Product) error {
		if err := ValidateProduct(&p); err != nil {
			t.Fatalf("accepted an invalid product %+v: %v", p, err)
		}
		seen = append(seen, p.ID)
		return nil
	}, func(r Reject) {
		if r.Line < 1 || r.Reason == "" {
			t.Fatalf("reject without a line or a reason: %+v", r)
		}
	})
	if err != nil {
		return // a header or gzip problem: the whole file is refused
	}
	if st.Lines != st.Accepted+st.Rejected+st.Blank || st.Accepted != len(seen) {
		t.Fatalf("stats %v for %d products", st, len(seen))
	}
}

func FuzzDecodeProduct(f *testing.F) {
	f.Add([]byte(`{"id":"c1","title":"华为 Mate 60 Pro","brand":"华为","category":"数码>手机","attributes":{"颜色":"雅川青"},"price":6999,"promo_price":"6499","stock":{"total":8,"regions":{"bj":3}},"platform":"自营","regions":"bj|sh","listed_at":1714521600}`))
	f.Add([]byte(`{"id":7,"title":"a\u0000"}`))
	f.Add([]byte(`[{"id":"a"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeProduct(data)
		if err != nil {
			if models.ErrorCode(err) != models.EINVALID {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if err := ValidateProduct(&p); err != nil {
			t.Fatalf("decoded an invalid product: %v", err)
		}
		// What is accepted survives the change log's round trip.
		b, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		var back models.Product
		if err := json.Unmarshal(b, &back); err != nil || back.ID != p.ID || back.Title != p.Title {
			t.Fatalf("round trip: %v %+v", err, back)
		}
	})
}

func FuzzDecodePatch(f *testing.F) {
	f.Add([]byte(`{"price":"9.9","promo_price":0,"promo_tag":"","stock":{"regions":{"bj":2,"sh":1}}}`))
	f.Add([]byte(`{"id":"p1","sales_30d":3,"impressions":10,"clicks":2,"listed_at":"2024-05-01","platform":"pop"}`))
	f.Add([]byte(`{"region_stock":{"bj":1,"bj":2}}`))
	base := sampleProducts()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		if pt, err := DecodePatch(data); err == nil {
			if _, err := PatchProduct(base, pt); err != nil && models.ErrorCode(err) != models.EINVALID {
				t.Fatalf("patch error without a code: %v", err)
			}
		}
		if id, pt, err := DecodeUpdate(data); err == nil {
			if id == "" {
				t.Fatal("update accepted without an id")
			}
			PatchProduct(base, pt)
		}
	})
}

func FuzzCheckJSON(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":2,"c":3}]},"d":"\u00e9"}`))
	f.Add([]byte(`{"a\u0062":1,"ab":2}`))
	f.Add([]byte("[\"\xff\"]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := CheckJSON(data) // never panics nor hangs, valid JSON or not
		if err == nil || !json.Valid(data) {
			return
		}
		if models.ErrorCode(err) != models.EINVALID {
			t.Fatalf("error without a code: %v", err)
		}
	})
}
