package sampledata

// Word lists the generator draws from. Order matters: the output depends on it, and the
// examples test pins the output, so append rather than reorder.

var brandWords = []string{
	"Northwind", "Bluepeak", "Cedar", "Summit", "Ironwood", "Redwood", "Silverline", "Orbit",
	"Kestrel", "Maple", "Granite", "Meridian", "Atlas", "Beacon", "Copper", "Driftwood",
	"Evergreen", "Fable", "Foxglove", "Glacier", "Helix", "Juniper", "Larkspur", "Mosaic",
	"Nimbus", "Oakridge", "Pinnacle", "Quartz", "Riverstone", "Sable", "Tidewater", "Vantage",
	"Willow", "Zephyr", "Alder", "Birch", "Crescent", "Ember", "Falcon", "Hawthorne",
	"Indigo", "Jasper", "Keystone", "Lighthouse", "Magnolia", "Northstar", "Opal", "Prairie",
	"Sequoia", "Terra", "Upland", "Verde", "Westbrook", "Yarrow", "Aspen", "Bramble",
	"Dune", "Fjord", "Highland", "Ivory", "Kite", "Lodestar", "Marble", "Nova",
	"Onyx", "Pebble", "Raven", "Sparrow", "Thistle", "Vale", "Wren", "Arbor",
	"Basalt", "Canyon", "Dovetail", "Elmstead", "Fernhill", "Goldcrest", "Heron", "Islay",
	"Larch", "Mistral", "Nettle", "Orchard", "Pioneer", "Redfern", "Saltmarsh", "Trellis",
}

// industry describes one customer industry: its attribute value, company-name suffixes that
// sound right for it, and how common it is among the vendor's customers.
type industry struct {
	name     string
	suffixes []string
	weight   int
}

var industries = []industry{
	{"software", []string{"Labs", "Systems", "Cloud", "Software", "Data"}, 18},
	{"fintech", []string{"Pay", "Capital", "Finance", "Ledger", "Money"}, 12},
	{"ecommerce", []string{"Goods", "Market", "Supply Co.", "Outfitters", "Shop"}, 12},
	{"healthcare", []string{"Health", "Care", "Clinics", "Medical", "Diagnostics"}, 9},
	{"logistics", []string{"Logistics", "Freight", "Shipping", "Fleet", "Transport"}, 8},
	{"education", []string{"Learning", "Academy", "Education", "Tutors", "Schools"}, 7},
	{"manufacturing", []string{"Manufacturing", "Industries", "Works", "Fabrication", "Components"}, 7},
	{"media", []string{"Media", "Studios", "Publishing", "Creative", "Pictures"}, 6},
	{"real_estate", []string{"Properties", "Realty", "Homes", "Estates", "Living"}, 6},
	{"professional_services", []string{"Consulting", "Partners", "Advisory", "Group", "Associates"}, 7},
	{"hospitality", []string{"Hotels", "Hospitality", "Travel", "Resorts", "Kitchens"}, 5},
	{"nonprofit", []string{"Foundation", "Alliance", "Trust", "Initiative", "Network"}, 3},
}

var channels = []weighted{
	{"organic", 28}, {"paid_search", 20}, {"partner", 12}, {"referral", 14}, {"outbound", 16}, {"event", 10},
}

// csm is one of the vendor's customer-success managers. Seniors carry the enterprise book.
type csm struct {
	email  string
	senior bool
}

var csms = []csm{
	{"maya@" + VendorDomain, true},
	{"jonas@" + VendorDomain, true},
	{"priya@" + VendorDomain, false},
	{"diego@" + VendorDomain, false},
	{"sofia@" + VendorDomain, false},
	{"liam@" + VendorDomain, false},
}

var firstNames = []string{
	"Ana", "Ben", "Carla", "Dan", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
	"Katrin", "Luis", "Mei", "Nikhil", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara",
	"Umar", "Valentina", "Wei", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Dmitri",
	"Emma", "Felix", "Gabriela", "Hannah", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia",
	"Oscar", "Priyanka", "Rafael", "Sara", "Tomas", "Uma", "Victor", "Wanjiru", "Yara", "Zain",
	"Alice", "Chen", "Daniela", "Erik", "Fatima", "George", "Helena", "Isaac", "Jin", "Kamala",
	"Leo", "Maria", "Noah", "Omar", "Paula", "Ravi", "Sofia", "Theo", "Amara", "Jonah",
}

var lastNames = []string{
	"Silva", "Stone", "Diaz", "Wu", "Kowalski", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Haddad",
	"Novak", "Fernandes", "Chen", "Patel", "Murphy", "Ivanova", "Reyes", "Brennan", "Schmidt", "Nakamura",
	"Adeyemi", "Rossi", "Kim", "Larsen", "Dubois", "Mensah", "Costa", "Walsh", "Yilmaz", "Gupta",
	"Okoro", "Andersson", "Baker", "Castillo", "Duarte", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
	"Jansen", "Khan", "Lopez", "Meyer", "Nguyen", "Oliveira", "Park", "Quintero", "Ramos", "Sato",
	"Torres", "Varga", "Weber", "Zhang", "Abbott", "Bauer", "Campbell", "Dalton", "Ellis", "Ford",
}

// Roles that usually champion a tool inside a customer, and everyone else who shows up in a CRM.
var (
	championRoles = []string{"VP Customer Success", "Head of Operations", "Product Manager", "CTO", "Director of Operations", "Head of Support"}
	otherRoles    = []string{"Product Manager", "CTO", "Finance Manager", "Engineering Manager", "Operations Analyst", "IT Administrator", "Head of Marketing"}
	founderRoles  = []string{"Founder & CEO", "Co-founder", "Head of Operations"}
)
