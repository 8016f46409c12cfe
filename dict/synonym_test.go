package dict

import (
	"reflect"
	"testing"
)

func TestWithSynonyms(t *testing.T) {
	base := Default().Lexicon()
	lex := base.WithSynonyms([]SynonymRule{
		{From: []string{"手机", "移动电话", "Mobile Phone"}, To: []string{"手机", "移动电话", "Mobile Phone"}},
		{From: []string{"苹果"}, To: []string{"iPhone", "苹果"}}, // a term listed as its own synonym is dropped
		{From: []string{"的"}, To: []string{"手机"}},            // a stop word alone: no source
	})
	if base.SynonymRules() != 0 {
		t.Fatal("WithSynonyms changed the lexicon it copied")
	}
	if lex.SynonymRules() != 3 || lex.Words() != base.Words() {
		t.Errorf("rules %d, words %d vs %d", lex.SynonymRules(), lex.Words(), base.Words())
	}
	tests := []struct {
		leaves []string
		n      int
		alts   []Synonym
	}{
		{[]string{"手机", "壳"}, 1, []Synonym{{"移动电话", []string{"移动", "电话"}}, {"Mobile Phone", []string{"mobile", "phone"}}}},
		{[]string{"mobile", "phone", "case"}, 2, []Synonym{{"手机", []string{"手机"}}, {"移动电话", []string{"移动", "电话"}}}},
		{[]string{"mobile"}, 0, nil},
		{[]string{"苹果"}, 1, []Synonym{{"iPhone", []string{"iphone"}}}},
		{[]string{"iphone"}, 0, nil},
		{[]string{"的"}, 0, nil},
		{nil, 0, nil},
	}
	for _, tt := range tests {
		n, alts := lex.Synonyms(tt.leaves)
		if n != tt.n || !reflect.DeepEqual(alts, tt.alts) {
			t.Errorf("Synonyms(%q) = %d %v, want %d %v", tt.leaves, n, alts, tt.n, tt.alts)
		}
	}
	if n, _ := base.Synonyms([]string{"手机"}); n != 0 {
		t.Error("the base lexicon has synonyms")
	}
	if lex.WithSynonyms(nil).SynonymRules() != 0 {
		t.Error("WithSynonyms(nil) kept the rules")
	}
}

// TestRemovedWords: a removed word is split again; the words of the
// lexicon file that are removed are not loaded either.
func TestRemovedWords(t *testing.T) {
	leaves := func(lex *Lexicon, text string) []string {
		var out []string
		for _, tok := range lex.Tokenize(Normalize(text)) {
			if tok.Role == Leaf {
				out = append(out, tok.Term)
			}
		}
		return out
	}
	a := DefaultAssets()
	a.Lexicon = "猫咖 100000 n\n" + a.Lexicon
	added, err := NewLexicon(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := leaves(added, "猫咖"); !reflect.DeepEqual(got, []string{"猫咖"}) {
		t.Fatalf("added word: %v", got)
	}
	a.Removed = "猫咖\n# a comment\n"
	removed, err := NewLexicon(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := leaves(removed, "猫咖"); reflect.DeepEqual(got, []string{"猫咖"}) {
		t.Errorf("removed word still one leaf: %v", got)
	}
	// A word of gse's own dictionary can be removed too.
	b := DefaultAssets()
	if got := leaves(added, "手机"); !reflect.DeepEqual(got, []string{"手机"}) {
		t.Fatalf("手机: %v", got)
	}
	b.Removed = "手机"
	noPhone, err := NewLexicon(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := leaves(noPhone, "手机"); !reflect.DeepEqual(got, []string{"手", "机"}) {
		t.Errorf("手机 removed: %v, want 手 机", got)
	}
}
