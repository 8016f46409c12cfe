package suggest

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"shopsearch/dict"
	"shopsearch/models"
)

// sharedCatalog is the shared development catalog, next to the repository.
var sharedCatalog = []string{"../../shared/data/catalog/titles.jsonl", "/work/shared/data/catalog/titles.jsonl"}

// TestSharedCatalog builds suggest over the whole shared catalog (72,687
// real titles) and checks every matching mode at that size. It is skipped
// when the catalog is not there.
func TestSharedCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the build over the shared catalog")
	}
	var f *os.File
	for _, p := range sharedCatalog {
		if g, err := os.Open(p); err == nil {
			f = g
			break
		}
	}
	if f == nil {
		t.Skipf("shared catalog not found at %v; this test needs ../shared next to the repository", sharedCatalog)
	}
	defer f.Close()
	var products []models.Product
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p models.Product
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		products = append(products, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	dict.DefaultLexicon() // loaded before the build, so its time is the build's own
	s := newBuilt(t, Config{}, Deps{Words: lexiconWords}, products)
	st := s.Stats()
	t.Logf("%d products → %d candidates, %d keys, %d heavy prefixes, FST %d bytes, built in %.0f ms",
		len(products), st.Candidates, st.Keys, st.Prefixes, st.FSTBytes, st.TookMs)
	if st.Candidates < 10_000 {
		t.Errorf("%d candidates; want over 10,000 from the shared catalog", st.Candidates)
	}
	tests := []struct {
		q, want, match string
	}{
		{"手机", "手机壳", MatchPrefix},
		{"shouj", "手机壳", MatchPinyin},
		{"sjk", "手机壳", MatchInitials},
		{"蘋果", "苹果", MatchPrefix},
		{"lanyae", "蓝牙耳机", MatchPinyin},
		{"yinhangk", "银行卡套", MatchPinyin},
		{"changweij", "长尾夹", MatchPinyin},
		{"xinglixiang", "行李箱", MatchPinyin},
		{"华为sj", "华为手机", MatchMixed},
		{"shuojike", "手机壳", MatchFuzzy},
	}
	for _, tc := range tests {
		r := mustSuggest(t, s, Request{Q: tc.q, N: 20})
		got, ok := find(r, tc.want)
		if !ok || got.Match != tc.match {
			t.Errorf("%q: %s; want %s by %s", tc.q, join(texts(r)), tc.want, tc.match)
		}
	}
}
