// Package knock is the port-knock engine: a pure state machine that takes
// decoded knock packets (Knock) and reports sources that completed a
// configured sequence (Event).
//
// This file is a placeholder for the full package documentation, which
// describes the matching rules, the eviction policy and its limits.
package knock
