package connectors

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Canonical customer attribute names the vendor connectors publish. Scoring gates and insights
// read these names, so every connector spells them the same way.
const (
	AttrCustomerSince      = "customer_since"      // YYYY-MM-DD, UTC: the day the account became a customer
	AttrAcquisitionChannel = "acquisition_channel" // a Channel value: organic_search, referral, …
	AttrIndustry           = "industry"
	AttrPlan               = "plan"
)

// SignalSeats is the number of paid seats (licences) a customer has.
const SignalSeats = "seats"

// Canonical acquisition channels. Insights group customers by channel, so "Organic search"
// from HubSpot and "Web" from Salesforce must land in groups that can be compared.
const (
	ChannelOrganicSearch = "organic_search"
	ChannelPaidSearch    = "paid_search"
	ChannelOrganicSocial = "organic_social"
	ChannelPaidSocial    = "paid_social"
	ChannelReferral      = "referral"
	ChannelPartner       = "partner"
	ChannelDirect        = "direct"
	ChannelEmail         = "email"
	ChannelOffline       = "offline"
	ChannelCampaign      = "campaign"
	ChannelAdvertisement = "advertisement"
	ChannelEvent         = "event"
	ChannelOutbound      = "outbound" // the vendor's sales team reached out (cold call, bought list)
	ChannelWeb           = "web"      // came in through the website, search or direct not told apart
	ChannelPhone         = "phone"    // called in
	ChannelOther         = "other"
)

// channels maps what vendors write, after snake-casing, to a canonical channel. Sources:
//   - HubSpot original source (hs_analytics_source): the labels Organic search, Paid search,
//     Email marketing, Organic social, Referrals, Other campaigns, Direct traffic, Offline
//     sources, Paid social (knowledge.hubspot.com "Understand Original and Latest source
//     properties"), and their internal values ORGANIC_SEARCH, PAID_SEARCH, EMAIL_MARKETING,
//     SOCIAL_MEDIA, REFERRALS, OTHER_CAMPAIGNS, DIRECT_TRAFFIC, OFFLINE, PAID_SOCIAL (the
//     internal values are not in the fetched docs: unverified, so the labels are mapped too).
//   - Salesforce AccountSource / LeadSource default picklist: Web, Phone Inquiry, Partner
//     Referral, Purchased List, Other; admins add values (Advertisement, Trade Show, … are the
//     documented examples). Unknown values fall back to their snake_case form.
var channels = map[string]string{
	// HubSpot
	"organic_search": ChannelOrganicSearch, "paid_search": ChannelPaidSearch,
	"email_marketing": ChannelEmail, "social_media": ChannelOrganicSocial, "organic_social": ChannelOrganicSocial,
	"paid_social": ChannelPaidSocial, "referrals": ChannelReferral, "other_campaigns": ChannelCampaign,
	"direct_traffic": ChannelDirect, "offline": ChannelOffline, "offline_sources": ChannelOffline,
	// Salesforce defaults and common admin-added values
	"web": ChannelWeb, "phone_inquiry": ChannelPhone, "partner_referral": ChannelPartner,
	"purchased_list": ChannelOutbound, "employee_referral": ChannelReferral, "external_referral": ChannelReferral,
	"customer_referral": ChannelReferral, "word_of_mouth": ChannelReferral, "advertisement": ChannelAdvertisement,
	"trade_show": ChannelEvent, "seminar_internal": ChannelEvent, "seminar_partner": ChannelPartner, "phone": ChannelPhone,
	"website": ChannelWeb, "inbound": ChannelWeb,
	"webinar": ChannelEvent, "cold_call": ChannelOutbound, "outbound": ChannelOutbound,
	// Plain spellings other tools and CSV files use
	"referral": ChannelReferral, "partner": ChannelPartner, "direct": ChannelDirect, "email": ChannelEmail,
	"organic": ChannelOrganicSearch, "seo": ChannelOrganicSearch, "sem": ChannelPaidSearch, "ppc": ChannelPaidSearch,
	"social": ChannelOrganicSocial, "event": ChannelEvent, "events": ChannelEvent, "campaign": ChannelCampaign,
	"other": ChannelOther,
}

// Channel normalises an acquisition channel as a vendor writes it ("ORGANIC_SEARCH", "Partner
// Referral", "Direct traffic") to the canonical set above; a value the table does not know is
// kept in snake_case ("Podcast Ads" → "podcast_ads") so it still groups with itself. Blank
// input gives "".
func Channel(raw string) string {
	key := SnakeCase(raw)
	if c, ok := channels[key]; ok {
		return c
	}
	return key
}

// SnakeCase lower-cases s and joins its words with underscores: "Phone Inquiry" →
// "phone_inquiry", "PAID-SOCIAL" → "paid_social". Letters and digits are kept; everything else
// separates words.
func SnakeCase(s string) string {
	var b strings.Builder
	pending := false
	for _, r := range strings.TrimSpace(s) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte('_')
			pending = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Day normalises a date or time as vendors send it to the UTC calendar day, YYYY-MM-DD:
// epoch milliseconds (HubSpot) or seconds (Stripe, Intercom) as a number or a string, RFC 3339
// with or without fraction and zone (HubSpot v3, Salesforce's +0000 form), or a date alone
// (Salesforce Date fields). ok is false for blank, zero and unreadable input, so a missing
// value is never published as 1970-01-01.
func Day(raw string) (day string, ok bool) {
	t, ok := ParseTimestamp(raw)
	if !ok {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// epochMillisFrom is where a number stops being read as seconds and starts being read as
// milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973, before any
// SaaS customer this tool sees.
const epochMillisFrom = 1e11

// timeLayouts are the textual forms Day and ParseTimestamp accept, most common first.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", time.DateOnly,
}

// ParseTimestamp reads the forms Day accepts into a UTC time.
func ParseTimestamp(raw string) (time.Time, bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n <= 0 {
			return time.Time{}, false
		}
		if n >= epochMillisFrom {
			return time.UnixMilli(int64(n)).UTC(), true
		}
		return time.Unix(int64(n), 0).UTC(), true
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// UnixDay is Day for an epoch-seconds field decoded as a number (Stripe, Intercom); 0 means
// "not set".
func UnixDay(sec int64) (string, bool) {
	if sec <= 0 {
		return "", false
	}
	return time.Unix(sec, 0).UTC().Format(time.DateOnly), true
}

// Plan normalises a plan name: surrounding and repeated inner space removed, case kept (plan
// names are product names people recognise: "Pro", "Enterprise 2024").
func Plan(raw string) string { return strings.Join(strings.Fields(raw), " ") }

// SetAttributes adds the non-empty values of kv to c's attributes, normalising the canonical
// ones (customer_since, acquisition_channel, plan, industry) so that every connector publishes
// the same forms. A customer_since that is not a readable date is left out and reported by
// the returned name list, for a Problem.
func (c *Customer) SetAttributes(kv map[string]string) (unreadable []string) {
	for k, v := range kv {
		v = strings.TrimSpace(v)
		switch k {
		case AttrCustomerSince:
			d, ok := Day(v)
			if !ok {
				if v != "" {
					unreadable = append(unreadable, k)
				}
				continue
			}
			v = d
		case AttrAcquisitionChannel:
			v = Channel(v)
		case AttrPlan, AttrIndustry:
			v = Plan(v)
		}
		if v == "" {
			continue
		}
		if c.Attributes == nil {
			c.Attributes = map[string]string{}
		}
		c.Attributes[k] = v
	}
	return unreadable
}
