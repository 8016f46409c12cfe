package server

import (
	"context"
	"strings"

	"shopsearch/query"
	"shopsearch/suggest"
)

// Query correction ("did you mean", Taobao's 已为您搜索): a shopper who
// types pinyin into the search box ("shouji") or makes a typo ("iphnoe")
// finds nothing, since titles are never matched by pinyin (that would
// flood results with homophones). When a search finds no exact match, the
// suggester — whose candidates all find items — is asked what the input
// meant as pinyin, mixed pinyin or with one typo, and that is searched
// instead; the response says so, and `correct=false` searches the input as
// typed.

// correctedHeader names, query-escaped, the query searched instead of the
// one typed, for ObserveSearches: the typed query found nothing.
const correctedHeader = "X-Shopsearch-Corrected"

// Correction tells the client that another query was searched.
type Correction struct {
	From string `json:"from"` // what the shopper typed
	To   string `json:"to"`   // what was searched
}

// searchResponse is a search response with its correction, if any.
type searchResponse struct {
	*query.Response
	Correction *Correction `json:"correction,omitempty"`
	// Synonyms are the query's synonym expansions, with explain=true
	// (lexicon.go).
	Synonyms []query.Expansion `json:"synonyms,omitempty"`
}

// corrector returns what to search instead of q, or "" to keep q.
type corrector func(q string) string

// suggestCorrector corrects with sg. Initials typed whole (sjk) mean what
// the suggest box offers first for them, if that is an initials match
// (手机壳): the correction agrees with what the shopper saw. Otherwise, of
// the suggestions that matched q as pinyin, mixed or with a typo (prefix
// matches are completions, not corrections, and initials further down the
// list too ambiguous to search for), the one whose pinyin is as long as the
// input — what was typed was a whole word, so "shouji" means 手机 (shouji)
// rather than the more searched 手机壳 (shoujike) — the most popular first
// among equals.
func suggestCorrector(sg Suggester) corrector {
	return func(q string) string {
		resp, err := sg.Suggest(suggest.Request{Q: q, N: 10})
		if err != nil {
			return ""
		}
		if len(resp.Suggestions) > 0 && resp.Suggestions[0].Match == suggest.MatchInitials {
			return resp.Suggestions[0].Text
		}
		best, bestGap := "", 0
		pyIn := sg.Pinyin(q) // a mixed input is part Han already: compare pinyin with pinyin
		for _, s := range resp.Suggestions {
			switch s.Match {
			case suggest.MatchPinyin, suggest.MatchMixed, suggest.MatchFuzzy:
			default:
				continue
			}
			if strings.EqualFold(s.Text, q) {
				continue
			}
			gap := len(sg.Pinyin(s.Text)) - len(pyIn)
			if gap < 0 {
				gap = -gap
			}
			if best == "" || gap < bestGap {
				best, bestGap = s.Text, gap
			}
		}
		return best
	}
}

// noExactMatch reports whether a search found nothing, or only partial
// matches of a relaxed query.
func noExactMatch(r *query.Response) bool {
	return r.Total == 0 || r.Relaxed != nil && r.Relaxed.Exact == 0
}

// maybeCorrect searches the correction of req's text when resp has no
// exact match and the correction has; otherwise it returns resp as it is.
func (s *Server) maybeCorrect(ctx context.Context, req query.Request, resp *query.Response, allowed bool) searchResponse {
	out := searchResponse{Response: resp}
	if s.correct == nil || !allowed || req.Text == "" || !noExactMatch(resp) || req.Explain {
		return out
	}
	to := s.correct(req.Text)
	if to == "" {
		return out
	}
	alt := req
	alt.Text = to
	r, err := s.engine.Search(ctx, alt)
	if err != nil || noExactMatch(r) {
		return out
	}
	return searchResponse{Response: r, Correction: &Correction{From: req.Text, To: to}}
}
