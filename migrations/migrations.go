// Package migrations embeds the schema of Advocate's store, one numbered, forward-only set of SQL
// files per dialect (postgres/, sqlite/). The two sets describe the same tables; a change to one
// is made to the other in the same commit, and the store test suite runs against both.
package migrations

import "embed"

// FS holds postgres/NNN_name.sql and sqlite/NNN_name.sql in goose's annotated format.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
