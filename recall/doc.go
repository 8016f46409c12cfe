// Package recall builds, stores and serves the recommendation recall models —
// item-to-item neighbours from co-occurrence in sessions and user histories,
// session-based neighbours, an ordered co-purchase graph, smoothed hot lists
// and an EASE model for rating data — and combines recallers (plain
// functions) per scene with quotas and a fallback chain.
//
// A Model is built once (Build), written atomically (Model.Save) and loaded
// by every replica (Load); after that it is read-only and safe for
// concurrent use. See doc/recommend.md for the design and the formulas.
package recall
