package server

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"shopsearch/dict"
	"shopsearch/models"
)

func TestParseSynonymRule(t *testing.T) {
	tests := []struct {
		line string
		want dict.SynonymRule
		err  string
	}{
		{"手机, 移动电话, mobile phone", dict.SynonymRule{From: []string{"手机", "移动电话", "mobile phone"}, To: []string{"手机", "移动电话", "mobile phone"}}, ""},
		{"手机，移动电话、大哥大", dict.SynonymRule{From: []string{"手机", "移动电话", "大哥大"}, To: []string{"手机", "移动电话", "大哥大"}}, ""},
		{"苹果 => iphone", dict.SynonymRule{From: []string{"苹果"}, To: []string{"iphone"}}, ""},
		{"苹果, apple => iphone, ipad", dict.SynonymRule{From: []string{"苹果", "apple"}, To: []string{"iphone", "ipad"}}, ""},
		{"", dict.SynonymRule{}, "empty"},
		{"手机", dict.SynonymRule{}, "two or more"},
		{"手机, 手机", dict.SynonymRule{}, "two or more"},
		{"手机, ", dict.SynonymRule{}, "term 2 is empty"},
		{", 手机", dict.SynonymRule{}, "empty term"},
		{"=> iphone", dict.SynonymRule{}, `left of "=>"`},
		{"苹果 =>", dict.SynonymRule{}, `right of "=>"`},
		{"a => b => c", dict.SynonymRule{}, "more than once"},
		{"手机, !!!", dict.SynonymRule{}, "no letter"},
		{"a, " + strings.Repeat("b", maxSynonymRunes+1), dict.SynonymRule{}, "limit is 50"},
		{strings.Repeat("a,", maxRuleTerms) + "a", dict.SynonymRule{}, "terms; the limit"},
	}
	for _, tt := range tests {
		got, err := parseSynonymRule(tt.line)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSynonymRule(%q): error %v, want one saying %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseSynonymRule(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestValidateLexiconNormalises(t *testing.T) {
	doc := models.Lexicon{
		Words:     []models.LexiconWord{{Word: " 貓咖 "}, {Word: "SK-II", Freq: 5000, Tag: "brand"}},
		Removed:   []string{"Ａｂｃ"},
		Stopwords: []string{"  嗯 "},
		Synonyms:  []string{"  手机, 移动电话  "},
		Author:    " alice ",
	}
	if err := ValidateLexicon(&doc); err != nil {
		t.Fatal(err)
	}
	want := []models.LexiconWord{{Word: "猫咖", Freq: 1000, Tag: "n"}, {Word: "sk-ii", Freq: 5000, Tag: "brand"}}
	if !reflect.DeepEqual(doc.Words, want) || doc.Removed[0] != "abc" || doc.Stopwords[0] != "嗯" ||
		doc.Synonyms[0] != "手机, 移动电话" || doc.Author != "alice" {
		t.Errorf("normalised: %+v", doc)
	}
	a := lexiconAssets(&doc)
	if !strings.HasPrefix(a.Lexicon, "猫咖 1000 n\nsk-ii 5000 brand\n") || !strings.Contains(a.Stopwords, "\n嗯\n") || a.Removed != "abc" {
		t.Errorf("assets: lexicon %q…, stop …%q, removed %q", a.Lexicon[:40], a.Stopwords[len(a.Stopwords)-10:], a.Removed)
	}
}

func TestChangedWords(t *testing.T) {
	v1 := &models.Lexicon{Words: []models.LexiconWord{{Word: "猫咖", Freq: 1000, Tag: "n"}, {Word: "狗咖", Freq: 1000, Tag: "n"}}, Synonyms: []string{"a, b"}}
	v2 := &models.Lexicon{Words: []models.LexiconWord{{Word: "猫咖", Freq: 9000, Tag: "n"}, {Word: "狗咖", Freq: 1000, Tag: "n"}},
		Removed: []string{"手机壳"}, Stopwords: []string{"嗯"}}
	if got := changedWords(v1, v2); !slices.Equal(got, []string{"嗯", "手机壳", "猫咖"}) {
		t.Errorf("changedWords(v1, v2) = %v", got)
	}
	if got := changedWords(nil, v1); !slices.Equal(got, []string{"狗咖", "猫咖"}) {
		t.Errorf("changedWords(nil, v1) = %v", got)
	}
	if got := changedWords(v1, &models.Lexicon{Words: v1.Words}); len(got) != 0 {
		t.Errorf("a synonym-only change changes words %v", got)
	}
}

// TestValidateLexiconErrors: each field's error names the list, the line
// and what is wrong; a list over its cap is ETOOLARGE.
func TestValidateLexiconErrors(t *testing.T) {
	for _, tt := range []struct {
		doc       models.Lexicon
		code, msg string
	}{
		{models.Lexicon{Words: []models.LexiconWord{{Word: "猫咖"}, {Word: "狗咖", Freq: -3}}, Author: "a"}, models.EINVALID, "words line 2: freq: must be > 0, got -3"},
		{models.Lexicon{Words: []models.LexiconWord{{Word: "猫咖", Freq: 2e9}}, Author: "a"}, models.EINVALID, "words line 1: freq: must be ≤ 1000000000, got 2e+09"},
		{models.Lexicon{Words: []models.LexiconWord{{Word: "猫咖", Tag: "n1"}}, Author: "a"}, models.EINVALID, `words line 1: tag: letters a–z only, got "n1"`},
		{models.Lexicon{Author: "  "}, models.EINVALID, "author: required"},
		{models.Lexicon{Author: strings.Repeat("a", maxLexAuthorRunes+1)}, models.EINVALID, "author: 65 characters, at most 64 allowed"},
		{models.Lexicon{Author: "a", Note: strings.Repeat("注", maxLexNoteRunes+1)}, models.EINVALID, "note: 501 characters, at most 500 allowed"},
		{models.Lexicon{Author: "", Stopwords: make([]string, maxLexiconStopwords+1)}, models.ETOOLARGE, "stopwords: 2001 entries; the limit is 2000"},
	} {
		err := ValidateLexicon(&tt.doc)
		if models.ErrorCode(err) != tt.code || models.ErrorMessage(err) != tt.msg {
			t.Errorf("got %v; want %s: %s", err, tt.code, tt.msg)
		}
	}
}
