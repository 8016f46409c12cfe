package dict

// Role says how a token relates to the tokens around it.
type Role uint8

const (
	// Leaf is the finest unit of a word: what a query must match.
	Leaf Role = iota
	// Compound is a whole word whose leaves are emitted too, at the same
	// positions (变频空调 over 变频 + 空调). Queries use it as a bonus.
	Compound
	// Sub is a shorter word inside a leaf that does not split cleanly
	// (手机 in 手机壳, since 壳 alone is no word): indexed so that a query
	// for the shorter word finds the longer, never required by a query.
	Sub
)

func (r Role) String() string {
	switch r {
	case Compound:
		return "compound"
	case Sub:
		return "sub"
	}
	return "leaf"
}

// Token is one term of an analysed text.
type Token struct {
	Term       string
	Start, End int // byte span in the normalised text
	Pos        int // 1-based position; a compound or sub has the position of its first leaf
	Role       Role
}
