// Package templates holds the user-visible wording of Advocate's messages: the Slack shortlist
// texts and the invitation email (subject, plain text, HTML). They are embedded so the binary
// needs no files at run time; the Go code that renders them (internal/slack,
// internal/email) owns the structure (Block Kit JSON, MIME), so editing wording here can
// never produce an invalid message.
//
// Templates receive only their data struct: no functions that read the environment or files
// are registered, so a template cannot leak secrets into a message.
package templates

import "embed"

// FS holds every template, addressed as "email/<name>" and "slack/<name>".
//
//go:embed email slack
var FS embed.FS
