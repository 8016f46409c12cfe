package models

import "time"

// Lexicon is the merchandisers' versioned lexicon document: what they add
// to and take out of the analysis chain's dictionaries, and the synonym
// rules applied to queries. Every save is a new version, kept with its
// author, time and note.
type Lexicon struct {
	Version int `json:"version"`
	// Words are extra segmentation words.
	Words []LexiconWord `json:"words"`
	// Removed are words taken out of the segmenter's dictionaries, so that
	// they are split (a wrong word that swallows two product words).
	Removed []string `json:"removed"`
	// Stopwords are dropped from titles and queries, besides the built-in
	// stop list.
	Stopwords []string `json:"stopwords"`
	// Synonyms are rules, one a line, in the Solr / Elasticsearch format:
	// "手机, 移动电话, mobile phone" (equivalent: any finds all) or
	// "苹果 => iphone" (one way: 苹果 also finds iphone, not the reverse).
	Synonyms []string `json:"synonyms"`

	Author    string    `json:"author"`
	Note      string    `json:"note"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LexiconWord is one segmentation word: Freq (default 1000; higher wins
// over the words it overlaps) and Tag, a part of speech (default "n");
// tag "brand" keeps the word whole, never split into sub-words.
type LexiconWord struct {
	Word string  `json:"word"`
	Freq float64 `json:"freq,omitempty"`
	Tag  string  `json:"tag,omitempty"`
}
