package configdoc

// notes add to (or stand in for) a field's doc comment where the comment cannot say it: a
// comment shared by a group of fields, a struct field documented on another package's type.
// Prefer a doc comment on the field; TestEveryKeyDocumented fails for a key with neither.
var notes = map[string]string{
	"connectors[].name":                            "Unique; lowercase letters, digits, - and _. Names the connector in `advocate sync NAME`, status and metrics (\"affiliates\" is reserved).",
	"connectors[].type":                            "The implementation: csv, custify, delighted, hubspot, intercom, posthog, salesforce, stripe, vitally, webhook or zendesk.",
	"connectors[].schedule":                        "When `advocate serve` syncs it: a cron spec (5 fields) or @hourly/@daily/@every 1h. \"\": only on demand (`advocate sync`).",
	"connectors[].base_url":                        "The vendor API's base URL (EU data centres, proxies, test servers). Default: the vendor's public API.",
	"connectors[].instance_url":                    "Salesforce: the org's instance URL (https://acme.my.salesforce.com).",
	"connectors[].email":                           "Zendesk: the agent email the API token belongs to.",
	"connectors[].project_id":                      "PostHog: the project id.",
	"connectors[].token":                           "Bearer token (HubSpot, Zendesk, Intercom, Vitally, Custify; webhook: the token that source pushes with).",
	"connectors[].api_key":                         "secret. API key (Stripe, Delighted, PostHog).",
	"connectors[].access_token":                    "secret. Salesforce OAuth access token.",
	"connectors[].attributes":                      "CSV: attribute -> CSV column.",
	"connectors[].delimiter":                       "CSV: the field separator, one character. Default \",\".",
	"scoring.transforms.<name>.max":                "See min.",
	"scoring.transforms.<name>.buckets[].min":      "The lowest value in this bucket.",
	"scoring.transforms.<name>.buckets[].goodness": "The goodness (0..1) a value in this bucket earns.",
	"scoring.transforms.<name>.buckets[].label":    "Words for the reasons (\"NPS 10 — promoter\").",
	"scoring.segments[].name":                      "Shown in explanations.",
	"scoring.segments[].when":                      "Attribute -> value; a customer matches when every entry does.",
	"scoring.segments[].weights":                   "Signal -> weight, merged over scoring.weights (0 drops a signal).",
	"smtp.host":                                    "The SMTP server. Without it no email is sent.",
	"smtp.username":                                "SMTP AUTH user; never sent over an unencrypted connection.",
	"email.reply_to":                               "Reply-To of the onboarding emails. Default: none (replies go to from).",
	"drip.sequences[].steps":                       "The emails of the sequence, in order.",
	"drip.retry_max":                               "See retry_base.",
}
