package salesforce_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeOrg plays the Salesforce REST query API as documented: GET
// /services/data/vXX.X/query?q=<SOQL> answers {totalSize, done, nextRecordsUrl, records:[{attributes:
// {type,url}, …}]}, and GET on nextRecordsUrl returns the next batch. It understands the SOQL
// this connector writes (SELECT list with one-level relationship fields, WHERE with AND of
// comparisons and IN, ORDER BY one field), leaves out IsDeleted rows as /query does, answers
// errors as [{message, errorCode}], checks the Bearer token and sends Sforce-Limit-Info.
type fakeOrg struct {
	mu       sync.Mutex
	token    string
	batch    int
	objects  map[string][]record
	schema   map[string][]string
	locators map[string][]record
	nextLoc  int
	// includeDeleted makes /query answer like /queryAll, with IsDeleted rows.
	includeDeleted bool
	calls          int
	Queries        []string // every SOQL query received, in order
	// dailyLimit, when set, is the org's 24-hour request allocation: calls past it are answered
	// 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." (Sforce-Limit-Info shows the
	// usage at the limit).
	dailyLimit int
	// concurrentAt lists call numbers answered 403 REQUEST_LIMIT_EXCEEDED for the org's limit
	// on concurrent long-running requests, with allocation left in Sforce-Limit-Info.
	concurrentAt map[int]bool
}

type record = map[string]any

const fakeVersion = "v60.0"

func (f *fakeOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	limit := cmp.Or(f.dailyLimit, 15000)
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", min(f.calls, limit), limit))
	switch {
	case f.dailyLimit > 0 && f.calls > f.dailyLimit:
		sfError(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
		return
	case f.concurrentAt[f.calls]:
		sfError(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		sfError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	base := "/services/data/" + fakeVersion + "/query"
	switch {
	case r.Method != http.MethodGet:
		sfError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "HTTP Method '"+r.Method+"' not allowed. Allowed are GET")
	case r.URL.Path == base:
		q := r.URL.Query().Get("q")
		f.Queries = append(f.Queries, q)
		rows, err := f.run(q)
		if err != nil {
			sfError(w, http.StatusBadRequest, "MALFORMED_QUERY", err.Error())
			return
		}
		f.respond(w, rows)
	case strings.HasPrefix(r.URL.Path, base+"/"):
		loc := strings.TrimPrefix(r.URL.Path, base+"/")
		rows, ok := f.locators[loc]
		if !ok {
			sfError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		delete(f.locators, loc)
		f.respond(w, rows)
	default:
		sfError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
}

// respond sends one batch and parks the rest behind a new query locator.
func (f *fakeOrg) respond(w http.ResponseWriter, rows []record) {
	n := min(f.batch, len(rows))
	out := map[string]any{"totalSize": len(rows), "done": n == len(rows), "records": rows[:n]}
	if n < len(rows) {
		f.nextLoc++
		loc := fmt.Sprintf("01gD0000002HU6K%03d-%d", f.nextLoc, n)
		f.locators[loc] = rows[n:]
		out["nextRecordsUrl"] = "/services/data/" + fakeVersion + "/query/" + loc
	}
	json.NewEncoder(w).Encode(out)
}

func sfError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode([]map[string]string{{"message": msg, "errorCode": code}})
}

var tokenRE = regexp.MustCompile(`'(?:[^'\\]|\\.)*'|>=|<=|!=|[(),=<>]|[^\s(),=<>!']+`)

type cond struct {
	field, op string
	values    []string
}

// run parses and evaluates one SOQL query.
func (f *fakeOrg) run(q string) ([]record, error) {
	toks := tokenRE.FindAllString(q, -1)
	i := 0
	peek := func() string {
		if i < len(toks) {
			return toks[i]
		}
		return ""
	}
	kw := func(k string) bool {
		if strings.EqualFold(peek(), k) {
			i++
			return true
		}
		return false
	}
	if !kw("SELECT") {
		return nil, fmt.Errorf("unexpected token: %s", peek())
	}
	var fields []string
	for {
		fields = append(fields, peek())
		i++
		if !kw(",") {
			break
		}
	}
	if !kw("FROM") {
		return nil, fmt.Errorf("expecting FROM, got %q", peek())
	}
	obj := peek()
	i++
	known, ok := f.schema[obj]
	if !ok {
		return nil, fmt.Errorf("sObject type '%s' is not supported", obj)
	}
	for _, fl := range fields {
		if !slices.Contains(known, fl) {
			return nil, fmt.Errorf("No such column '%s' on entity '%s'", fl, obj)
		}
	}
	var conds []cond
	if kw("WHERE") {
		for {
			c := cond{field: peek()}
			i++
			c.op = strings.ToUpper(peek())
			i++
			if c.op == "IN" {
				if !kw("(") {
					return nil, fmt.Errorf("expecting ( after IN")
				}
				for !kw(")") {
					if peek() == "" {
						return nil, fmt.Errorf("unterminated IN list")
					}
					if peek() != "," {
						c.values = append(c.values, peek())
					}
					i++
				}
			} else {
				c.values = []string{peek()}
				i++
			}
			conds = append(conds, c)
			if !kw("AND") {
				break
			}
		}
	}
	order := ""
	if kw("ORDER") {
		if !kw("BY") {
			return nil, fmt.Errorf("expecting BY")
		}
		order = peek()
		i++
		kw("ASC")
	}
	if i != len(toks) {
		return nil, fmt.Errorf("unexpected token: %s", peek())
	}

	var rows []record
	for _, rec := range f.objects[obj] {
		if rec["IsDeleted"] == true && !f.includeDeleted {
			continue
		}
		match := true
		for _, c := range conds {
			if ok, err := eval(rec, c); err != nil {
				return nil, err
			} else if !ok {
				match = false
			}
		}
		if match {
			rows = append(rows, rec)
		}
	}
	if order != "" {
		slices.SortStableFunc(rows, func(a, b record) int {
			return cmpValues(fmt.Sprint(a[order]), fmt.Sprint(b[order]))
		})
	}
	out := make([]record, len(rows))
	for k, rec := range rows {
		out[k] = project(obj, rec, fields)
	}
	return out, nil
}

func project(obj string, rec record, fields []string) record {
	p := record{"attributes": map[string]string{"type": obj, "url": "/services/data/" + fakeVersion + "/sobjects/" + obj + "/" + rec["Id"].(string)}}
	for _, fl := range fields {
		rel, sub, dotted := strings.Cut(fl, ".")
		if !dotted {
			p[fl] = rec[fl]
			continue
		}
		related, _ := rec[rel].(record)
		if related == nil {
			p[rel] = nil
			continue
		}
		r, _ := p[rel].(record)
		if r == nil {
			r = record{"attributes": map[string]string{"type": "User", "url": "/services/data/" + fakeVersion + "/sobjects/User/" + fmt.Sprint(related["Id"])}}
			p[rel] = r
		}
		r[sub] = related[sub]
	}
	return p
}

// eval applies one condition; literals are typed the SOQL way: quoted strings, true/false,
// dates and dateTimes unquoted.
func eval(rec record, c cond) (bool, error) {
	v, present := rec[c.field]
	if !present {
		return false, fmt.Errorf("No such column '%s'", c.field)
	}
	for _, lit := range c.values {
		var got int
		switch {
		case strings.HasPrefix(lit, "'"):
			s := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(lit[1 : len(lit)-1])
			if v == nil {
				return false, nil
			}
			got = strings.Compare(fmt.Sprint(v), s)
		case lit == "true" || lit == "false":
			if fmt.Sprint(v) != lit {
				got = 1
			}
		case strings.Contains(lit, "T"):
			want, err := time.Parse(time.RFC3339, lit)
			if err != nil {
				return false, fmt.Errorf("value of filter criterion for field '%s' must be of type dateTime: %s", c.field, lit)
			}
			have, err := time.Parse("2006-01-02T15:04:05.000-0700", fmt.Sprint(v))
			if err != nil {
				return false, err
			}
			got = have.Compare(want)
		default:
			if _, err := time.Parse(time.DateOnly, lit); err != nil {
				if _, err := strconv.ParseFloat(lit, 64); err != nil {
					return false, fmt.Errorf("unknown literal %s", lit)
				}
			}
			got = cmpValues(fmt.Sprint(v), lit)
		}
		var ok bool
		switch c.op {
		case "=", "IN":
			ok = got == 0
		case "!=":
			ok = got != 0
		case ">":
			ok = got > 0
		case ">=":
			ok = got >= 0
		case "<":
			ok = got < 0
		case "<=":
			ok = got <= 0
		default:
			return false, fmt.Errorf("unknown operator %s", c.op)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// cmpValues compares numbers as numbers and everything else (ids, dates, stamps in one
// format) as text.
func cmpValues(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// newFakeOrg returns an org holding the test data, answering 3 records a batch.
func newFakeOrg() *fakeOrg {
	f := &fakeOrg{token: "sf-token", batch: 3, locators: map[string][]record{},
		schema: map[string][]string{
			"Account": {"Id", "Name", "Website", "Type", "Industry", "AccountSource", "NumberOfEmployees", "Owner.Email", "IsDeleted",
				"SystemModstamp", "Health_Score__c", "NPS__c", "LTV__c", "Customer_Since__c"},
			"Contact":     {"Id", "AccountId", "Email", "Name", "Title", "HasOptedOutOfEmail", "IsDeleted", "SystemModstamp"},
			"Opportunity": {"Id", "AccountId", "CloseDate", "IsWon", "Type", "StageName", "Amount"},
		}}
	owner := func(id, email string) record { return record{"Id": id, "Email": email} }
	acct := func(id, name string, website any, typ, industry any, employees any, own any, stamp string, health, nps any) record {
		return record{"Id": id, "Name": name, "Website": website, "Type": typ, "Industry": industry,
			"NumberOfEmployees": employees, "Owner": own, "IsDeleted": false, "SystemModstamp": stamp,
			"Health_Score__c": health, "NPS__c": nps, "LTV__c": nil}
	}
	// AccountSource is a picklist: the default values (Web, Phone Inquiry, Partner Referral,
	// Purchased List, Other) and admin-added ones; Customer_Since__c a custom Date field.
	sources := map[string]any{"001A00000000001": "Web", "001B00000000002": "Partner Referral", "001D00000000004": "Trade Show",
		"001G00000000007": "Podcast Sponsorship"}
	since := map[string]any{"001A00000000001": "2023-04-30", "001B00000000002": "2022-01-15"}
	deleted := acct("001F00000000006", "Defunct Ltd", "defunct.io", "Customer - Direct", nil, nil, nil, "2026-10-07T10:00:00.000+0000", 10, 1)
	deleted["IsDeleted"] = true
	defer func() {
		for _, a := range f.objects["Account"] {
			a["AccountSource"], a["Customer_Since__c"] = sources[a["Id"].(string)], since[a["Id"].(string)]
		}
	}()
	f.objects = map[string][]record{
		"Account": {
			acct("001A00000000001", "Acme Corp", "https://www.acme.io/", "Customer - Direct", "Technology", 250,
				owner("005A1", "Dana.Lee@Vendor.com"), "2026-10-01T10:00:00.000+0000", 82, 9),
			acct("001B00000000002", "Globex", "globex.com", "Customer - Channel", "Manufacturing", 1200,
				owner("005A2", "sam@vendor.com"), "2026-10-02T10:00:00.000+0000", "71", nil),
			acct("001C00000000003", "Initech", nil, nil, "Finance", nil, nil, "2026-10-03T10:00:00.000+0000", "n/a", nil),
			acct("001D00000000004", "Umbrella", "http://umbrella.co.uk", "Customer - Direct", "Healthcare", 90,
				owner("005A1", "dana.lee@vendor.com"), "2026-10-04T10:00:00.000+0000", nil, 6),
			acct("001E00000000005", "Hooli", "hooli.xyz", "Prospect", "Technology", 5000,
				owner("005A2", "sam@vendor.com"), "2026-10-05T10:00:00.000+0000", 40, nil),
			deleted,
			acct("001G00000000007", "Stark Industries", "stark.com", "Customer - Direct", "Energy", 800,
				owner("005A2", "sam@vendor.com"), "2026-10-06T10:00:00.000+0000", 95, 10),
			// No Website: the domain comes from the contacts (two at wayne.com, one on gmail).
			acct("001H00000000008", "Wayne Enterprises", nil, "Customer - Direct", "Defense", 3000,
				owner("005A2", "sam@vendor.com"), "2026-10-05T12:00:00.000+0000", 88, nil),
			// An empty Website and free-mail contacts only: cannot be matched, skipped.
			acct("001J00000000009", "Solo Consulting", "", "Customer - Direct", nil, 1,
				owner("005A1", "dana.lee@vendor.com"), "2026-10-05T13:00:00.000+0000", 50, nil),
		},
		"Contact": {
			contactRec("003000000000001", "001A00000000001", "jane@acme.io", "Jane Doe", "VP Operations", false, "2026-10-01T11:00:00.000+0000"),
			contactRec("003000000000002", "001A00000000001", " Bob@Acme.io ", "Bob Roe", "Engineer", true, "2026-10-01T12:00:00.000+0000"),
			contactRec("003000000000003", "001B00000000002", "eve@globex.com", "Eve Stone", "Head of IT", false, "2026-10-02T11:00:00.000+0000"),
			contactRec("003000000000004", "001C00000000003", nil, "No Email", "CFO", false, "2026-10-03T11:00:00.000+0000"),
			contactRec("003000000000005", nil, "lone@gmail.com", "Lone Ranger", nil, false, "2026-10-03T12:00:00.000+0000"),
			contactRec("003000000000006", "001D00000000004", "li@umbrella.co.uk", "Li Wei", nil, false, "2026-10-04T11:00:00.000+0000"),
			contactRec("003000000000007", "001G00000000007", "tony@stark.com", "Tony Stark", "CEO", false, "2026-10-06T11:00:00.000+0000"),
			contactRec("003000000000008", "001H00000000008", "bruce@wayne.com", "Bruce Wayne", "CEO", false, "2026-10-05T12:10:00.000+0000"),
			contactRec("003000000000009", "001H00000000008", "lucius@Wayne.com", "Lucius Fox", "CTO", false, "2026-10-05T12:20:00.000+0000"),
			contactRec("003000000000010", "001H00000000008", "alfred.p@gmail.com", "Alfred Pennyworth", nil, false, "2026-10-05T12:30:00.000+0000"),
			contactRec("003000000000011", "001J00000000009", "solo.consulting@gmail.com", "Sol O", nil, false, "2026-10-05T13:10:00.000+0000"),
		},
		"Opportunity": {
			opp("006000000000001", "001A00000000001", "Existing Customer - Upgrade", true, "2026-03-01"),
			opp("006000000000002", "001A00000000001", "Existing Customer - Upgrade", true, "2026-09-15"),
			opp("006000000000003", "001A00000000001", "Existing Customer - Upgrade", true, "2025-10-01"), // older than 12 months
			opp("006000000000004", "001B00000000002", "Existing Customer - Upgrade", true, "2026-06-01"),
			opp("006000000000005", "001B00000000002", "New Customer", true, "2026-06-01"),
			opp("006000000000006", "001C00000000003", "Existing Customer - Upgrade", false, "2026-07-01"), // lost
			opp("006000000000007", "001D00000000004", "Existing Customer - Upgrade", true, "2026-11-16"),  // today counts
			opp("006000000000008", "001E00000000005", "Existing Customer - Upgrade", true, "2025-11-16"),  // exactly 12 months ago: out
			opp("006000000000009", "001H00000000008", "Existing Customer - Upgrade", true, "2026-08-01"),
			opp("006000000000010", "001J00000000009", "Existing Customer - Upgrade", true, "2026-08-02"), // its account is unmatched
		},
	}
	return f
}

func contactRec(id string, account any, email any, name string, title any, optedOut bool, stamp string) record {
	return record{"Id": id, "AccountId": account, "Email": email, "Name": name, "Title": title,
		"HasOptedOutOfEmail": optedOut, "IsDeleted": false, "SystemModstamp": stamp}
}

func opp(id, account, typ string, won bool, closeDate string) record {
	stage := "Closed Won"
	if !won {
		stage = "Closed Lost"
	}
	return record{"Id": id, "AccountId": account, "Type": typ, "IsWon": won, "CloseDate": closeDate, "StageName": stage, "Amount": 12000.0}
}

// touch changes an account the way an edit in Salesforce would: new values, new SystemModstamp.
func (f *fakeOrg) touch(id string, stamp string, set record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rec := range f.objects["Account"] {
		if rec["Id"] == id {
			for k, v := range set {
				rec[k] = v
			}
			rec["SystemModstamp"] = stamp
		}
	}
}

func (f *fakeOrg) queries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.Queries)
}
