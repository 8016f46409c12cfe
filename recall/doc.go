// Package recall owns recommendations: the Service answers a scene's slot
// (recall through the scene's quotas and fallback chain, rank over the
// catalog's columns with rank.Store.RankSlot and the CTR model of
// recall/ctr, rerank — scatter, pins — and the sample log) and runs the models' lifecycle (load, watch, retrain); the
// package also builds, stores and serves the recall models — item-to-item
// neighbours from co-occurrence in sessions and user histories,
// session-based neighbours, an ordered co-purchase graph, smoothed hot
// lists and an EASE model for rating data — and the catalog's recallers
// (best sellers, similar, complements, spread).
//
// A Model is built once (Build), written atomically (Model.Save) and loaded
// by every replica (Load); after that it is read-only and safe for
// concurrent use. See doc/recommend.md for the design and the formulas.
package recall
