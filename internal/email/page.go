package email

// This file renders a preview page: one email as a standalone HTML file a person opens in a
// browser to see what the customer will get.

import (
	"fmt"
	htmltemplate "html/template"
	"io"
)

// PageHeader is what the preview page shows above the email.
type PageHeader struct {
	From, ReplyTo, To, Subject string
	Note                       string // e.g. "Sequence default, step invite (day 0)"
}

// The email's own HTML document goes into an iframe's srcdoc, so its styles and the page's
// cannot affect each other and the email looks as it will in a mail client.
var previewPage = htmltemplate.Must(htmltemplate.New("preview").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {{.H.Subject}}</title>
<style>
body{margin:0;background:#eaecef;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328}
header{max-width:760px;margin:24px auto 12px;padding:16px 20px;background:#fff;border-radius:8px;font-size:14px}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
header dt{font-weight:600;color:#57606a}header dd{margin:0}
header p{margin:0 0 10px;color:#57606a}
main{max-width:760px;margin:0 auto}
iframe{width:100%;height:900px;border:0;border-radius:8px;background:#fff}
details{max-width:760px;margin:12px auto 32px;background:#fff;border-radius:8px;padding:12px 20px}
pre{white-space:pre-wrap;font-size:13px}
</style>
</head>
<body>
<header>
{{- with .H.Note}}<p>{{.}}</p>{{end}}
<dl>
<dt>From</dt><dd>{{.H.From}}</dd>
{{- with .H.ReplyTo}}
<dt>Reply-To</dt><dd>{{.}}</dd>
{{- end}}
<dt>To</dt><dd>{{.H.To}}</dd>
<dt>Subject</dt><dd>{{.H.Subject}}</dd>
</dl>
</header>
<main><iframe title="HTML part" sandbox srcdoc="{{.C.HTML}}"></iframe></main>
<details open><summary>Plain-text part</summary><pre>{{.C.Text}}</pre></details>
</body>
</html>
`))

// WritePreviewPage writes c as a standalone HTML page: a header block with From, To and
// Subject, the email's HTML part as the customer's mail client shows it, and its text part.
func WritePreviewPage(w io.Writer, h PageHeader, c InviteContent) error {
	if err := previewPage.Execute(w, struct {
		H PageHeader
		C InviteContent
	}{h, c}); err != nil {
		return fmt.Errorf("email: preview page: %w", err)
	}
	return nil
}
