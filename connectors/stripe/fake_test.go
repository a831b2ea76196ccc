package stripe_test

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// fakeStripe plays the Stripe API's list endpoints as documented: GET /v1/customers,
// /v1/invoices (status filter), /v1/subscriptions (by default every status but canceled) and
// /v1/subscription_items?subscription=, answering {object:"list", url, has_more, data} newest
// first by created, paged with limit (1–100) and starting_after=<id>, expanding data.customer
// when asked. Auth is the secret key as Basic user or as a Bearer token; errors are
// {error:{type, code, message}}. Real Stripe returns exactly `limit` objects; the fake returns at
// most pageCap so that tests page through the data.
type fakeStripe struct {
	mu        sync.Mutex
	key       string
	pageCap   int
	customers []obj
	invoices  []obj
	subs      []obj
	products  map[string]string // product id -> name, for GET /v1/products/{id}
	requests  []string          // path?query of every request
}

type obj = map[string]any

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", fmt.Sprintf("req_%d", len(f.requests)))
	if !f.authorized(r) {
		stripeError(w, http.StatusUnauthorized, "invalid_request_error", "", "Invalid API Key provided: sk_test_****"+f.key[max(len(f.key)-4, 0):])
		return
	}
	q := r.URL.Query()
	allowed := map[string]bool{"limit": true, "starting_after": true, "ending_before": true, "expand[]": true}
	var (
		rows   []obj
		kind   string
		expand bool
	)
	if id, ok := strings.CutPrefix(r.URL.Path, "/v1/products/"); ok {
		name, found := f.products[id]
		if !found {
			stripeError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "No such product: '"+id+"'")
			return
		}
		json.NewEncoder(w).Encode(obj{"id": id, "object": "product", "name": name, "active": true, "created": 1_600_000_000})
		return
	}
	switch r.URL.Path {
	case "/v1/customers":
		kind = "customer"
		rows = filter(f.customers, func(o obj) bool { return o["deleted"] != true })
	case "/v1/invoices":
		kind, allowed["status"] = "invoice", true
		status := q.Get("status")
		rows = filter(f.invoices, func(o obj) bool { return status == "" || o["status"] == status })
	case "/v1/subscriptions":
		kind, allowed["status"] = "subscription", true
		status := q.Get("status")
		rows = filter(f.subs, func(o obj) bool {
			switch status {
			case "":
				return o["status"] != "canceled"
			case "all":
				return true
			}
			return o["status"] == status
		})
	case "/v1/subscription_items":
		kind, allowed["subscription"] = "subscription item", true
		for _, s := range f.subs {
			if s["id"] == q.Get("subscription") {
				rows = s["items"].(obj)["data"].([]obj)
			}
		}
		if rows == nil {
			stripeError(w, http.StatusBadRequest, "invalid_request_error", "resource_missing", "No such subscription: '"+q.Get("subscription")+"'")
			return
		}
	default:
		stripeError(w, http.StatusNotFound, "invalid_request_error", "", "Unrecognized request URL (GET: "+r.URL.Path+").")
		return
	}
	for k, vs := range q {
		if !allowed[k] {
			stripeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_unknown", "Received unknown parameter: "+k)
			return
		}
		if k == "expand[]" {
			for _, v := range vs {
				if v != "data.customer" || kind == "customer" || kind == "subscription item" {
					stripeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid", "This property cannot be expanded ("+v+").")
					return
				}
				expand = true
			}
		}
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			stripeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+v)
			return
		}
		limit = n
	}
	if kind != "subscription item" {
		slices.SortStableFunc(rows, func(a, b obj) int { // newest first
			if d := b["created"].(int) - a["created"].(int); d != 0 {
				return d
			}
			return strings.Compare(b["id"].(string), a["id"].(string))
		})
	}
	if after := q.Get("starting_after"); after != "" {
		i := slices.IndexFunc(rows, func(o obj) bool { return o["id"] == after })
		if i < 0 {
			stripeError(w, http.StatusBadRequest, "invalid_request_error", "resource_missing", "No such "+kind+": '"+after+"'")
			return
		}
		rows = rows[i+1:]
	}
	n := min(limit, f.pageCap, len(rows))
	data := make([]obj, n)
	for i, o := range rows[:n] {
		data[i] = f.render(o, expand)
	}
	json.NewEncoder(w).Encode(obj{"object": "list", "url": r.URL.Path, "has_more": n < len(rows), "data": data})
}

func (f *fakeStripe) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "Bearer "+f.key {
		return true
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	return err == nil && strings.HasPrefix(h, "Basic ") && string(b) == f.key+":"
}

// render copies an object for the wire: customer ids expanded on request, subscription items
// cut to the first 10 the way Stripe embeds them.
func (f *fakeStripe) render(o obj, expand bool) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	if id, ok := o["customer"].(string); ok && expand {
		out["customer"] = obj{"id": id, "object": "customer", "deleted": true}
		for _, c := range f.customers {
			if c["id"] == id && c["deleted"] != true {
				out["customer"] = c
			}
		}
	}
	if items, ok := o["items"].(obj); ok {
		data := items["data"].([]obj)
		out["items"] = obj{"object": "list", "data": data[:min(10, len(data))], "has_more": len(data) > 10,
			"total_count": len(data), "url": "/v1/subscription_items?subscription=" + o["id"].(string)}
	}
	return out
}

func filter(rows []obj, keep func(obj) bool) []obj {
	var out []obj
	for _, o := range rows {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

func stripeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.WriteHeader(status)
	e := obj{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	json.NewEncoder(w).Encode(obj{"error": e})
}

func (f *fakeStripe) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func cust(id, name, email string, metadata map[string]string) obj {
	var n any
	if name != "" {
		n = name
	}
	if metadata == nil {
		metadata = map[string]string{}
	}
	return obj{"id": id, "object": "customer", "name": n, "email": email, "metadata": metadata,
		"currency": "usd", "delinquent": false, "livemode": false, "description": nil}
}

func inv(id, customer, currency string, amount int, status string) obj {
	paid := 0
	if status == "paid" {
		paid = amount
	}
	return obj{"id": id, "object": "invoice", "customer": customer, "currency": currency, "amount_due": amount,
		"amount_paid": paid, "amount_remaining": amount - paid, "status": status, "livemode": false}
}

// nicknames are the prices' nicknames (null when the merchant set none) and products the
// product each price belongs to; a price object names its product by id unless expanded.
var (
	nicknames = map[string]any{"price_base": "Starter", "price_annual": " Business  (annual) ", "price_weekly": "Weekly"}
	products  = map[string]string{"price_quarter": "prod_pro", "price_api": "prod_api", "price_eur": "prod_pro",
		"price_tiers": "prod_volume", "price_seat": "prod_team", "price_daily": "prod_day"}
)

// priceObj builds a recurring price; unit < 0 means tiered (no unit amount).
func priceObj(id, currency string, unit int, interval string, count int, usage string) obj {
	p := obj{"id": id, "object": "price", "currency": currency, "billing_scheme": "per_unit", "type": "recurring",
		"recurring": obj{"interval": interval, "interval_count": count, "usage_type": usage},
		"nickname":  nicknames[id], "product": cmp.Or(products[id], "prod_misc")}
	if unit < 0 {
		p["billing_scheme"], p["unit_amount"], p["unit_amount_decimal"] = "tiered", nil, nil
	} else {
		p["unit_amount"], p["unit_amount_decimal"] = unit, strconv.Itoa(unit)
	}
	return p
}

func item(id string, p obj, qty any) obj {
	return obj{"id": id, "object": "subscription_item", "price": p, "quantity": qty}
}

func sub(id, customer, status, currency string, items ...obj) obj {
	return obj{"id": id, "object": "subscription", "customer": customer, "status": status, "currency": currency,
		"items": obj{"object": "list", "data": items}, "metadata": obj{}}
}

// newFakeStripe returns an account holding the test data (see stripe_test.go for the expected
// ltv and mrr per company).
func newFakeStripe() *fakeStripe {
	f := &fakeStripe{key: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", pageCap: 3}
	f.customers = []obj{
		cust("cus_A1", "Acme Inc", "ops@acme.io", nil),
		cust("cus_A2", "", "Billing@Acme.io", nil), // same company as cus_A1
		cust("cus_G", "Globex", "owner@gmail.com", map[string]string{"company_domain": "https://globex.com"}),
		cust("cus_D", "Dee Freelance", "dee@gmail.com", nil), // free mail, no metadata: no domain
		cust("cus_E", "Initech GmbH", "finance@initech.de", nil),
		cust("cus_F", "Hooli", "admin@hooli.xyz", nil),
		cust("cus_T", "Tiered Co", "it@tiered.io", nil),
		cust("cus_M", "Many Seats", "ops@many.io", nil),
		cust("cus_J", "Sakura KK", "keiri@sakura.jp", nil),
		{"id": "cus_X", "object": "customer", "deleted": true},
	}
	f.invoices = []obj{
		inv("in_1", "cus_A1", "usd", 120000, "paid"),
		inv("in_2", "cus_A1", "usd", 120000, "paid"),
		inv("in_3", "cus_A2", "usd", 4999, "paid"),
		inv("in_4", "cus_G", "usd", 30000, "paid"),
		inv("in_5", "cus_E", "eur", 50000, "paid"),
		inv("in_6", "cus_D", "usd", 1500, "paid"),
		inv("in_7", "cus_T", "usd", 25000, "paid"),
		inv("in_8", "cus_X", "usd", 99900, "paid"),
		inv("in_9", "cus_A1", "usd", 5000, "open"),
		inv("in_10", "cus_M", "usd", 11000, "paid"),
		inv("in_11", "cus_J", "jpy", 500000, "paid"),
	}
	var seats []obj
	for i := range 11 {
		seats = append(seats, item(fmt.Sprintf("si_M%02d", i), priceObj("price_seat", "usd", 1000, "month", 1, "licensed"), 1))
	}
	f.subs = []obj{
		sub("sub_1", "cus_A1", "active", "usd",
			item("si_1a", priceObj("price_base", "usd", 10000, "month", 1, "licensed"), 1),
			item("si_1b", priceObj("price_annual", "usd", 120000, "year", 1, "licensed"), 2)),
		sub("sub_2", "cus_A2", "past_due", "usd", item("si_2", priceObj("price_weekly", "usd", 1000, "week", 1, "licensed"), 1)),
		sub("sub_3", "cus_G", "active", "usd",
			item("si_3a", priceObj("price_quarter", "usd", 30000, "month", 3, "licensed"), 1),
			item("si_3b", priceObj("price_api", "usd", 2, "month", 1, "metered"), nil)),
		sub("sub_4", "cus_E", "active", "eur", item("si_4", priceObj("price_eur", "eur", 9900, "month", 1, "licensed"), 1)),
		sub("sub_5", "cus_F", "trialing", "usd", item("si_5", priceObj("price_base", "usd", 5000, "month", 1, "licensed"), 1)),
		sub("sub_6", "cus_T", "active", "usd", item("si_6", priceObj("price_tiers", "usd", -1, "month", 1, "licensed"), 5)),
		sub("sub_7", "cus_D", "canceled", "usd", item("si_7", priceObj("price_base", "usd", 10000, "month", 1, "licensed"), 1)),
		sub("sub_8", "cus_M", "active", "usd", seats...),
		sub("sub_9", "cus_D", "active", "usd", item("si_9", priceObj("price_daily", "usd", 100, "day", 1, "licensed"), 1)),
	}
	// Created times count down in list order, so each list has a fixed newest-first order.
	for _, rows := range [][]obj{f.customers, f.invoices, f.subs} {
		for i, o := range rows {
			o["created"] = 1_790_000_000 - 3600*i
		}
	}
	// start_date is when a subscription began (it stays across plan changes); epoch seconds.
	for _, o := range f.subs {
		o["start_date"] = o["created"]
	}
	f.subs[0]["start_date"] = 1_700_000_000 // sub_1 (acme): 2023-11-14
	f.subs[1]["start_date"] = 1_650_000_000 // sub_2 (acme, another customer): 2022-04-15
	f.subs[2]["start_date"] = 1_720_000_000 // sub_3 (globex): 2024-07-03
	f.subs[2]["metadata"] = obj{"tier": "Globex Custom"}
	f.products = map[string]string{"prod_pro": "Pro", "prod_api": "API calls", "prod_volume": "Volume",
		"prod_team": "Team", "prod_day": "Day pass", "prod_misc": "Misc"}
	return f
}
