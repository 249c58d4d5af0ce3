package lushatest

// Word lists of the synthetic world. Changing them changes every seeded world,
// so append only at the end.

var firstNames = []string{"Orit", "Daniel", "Gal", "Maya", "Noah", "Emma", "Liam", "Olivia", "Lucas",
	"Sofia", "Mateo", "Hannah", "Yuki", "Amara", "Ravi", "Chloe", "Jonas", "Ingrid", "Pierre", "Lea",
	"Marco", "Giulia", "Carlos", "Lucia", "Omar", "Fatima", "Kwame", "Ana", "Tomasz", "Eva", "Sean",
	"Aoife", "Felix", "Mila", "Arjun", "Priya", "Ethan", "Zoe", "Nils", "Freya"}

var lastNames = []string{"Shilvock", "Turgeman", "Ashkelon", "Cohen", "Smith", "Johnson", "Garcia",
	"Müller", "Martin", "Rossi", "Kowalski", "Nakamura", "Okafor", "Patel", "Dubois", "Jensen",
	"O'Brien", "Silva", "Novak", "Schmidt", "Larsen", "Fischer", "Moreau", "Bianchi", "Santos",
	"Haddad", "Mensah", "Iyer", "Walsh", "Berg", "Lindqvist", "Tanaka", "Weber", "Costa", "Hughes",
	"Kim", "Levi", "Nguyen", "Ortiz", "Quinn"}

var companyStems = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli",
	"Vandelay", "Cyberdyne", "Soylent", "Tyrell", "Wonka", "Gringotts", "Oscorp", "Aperture",
	"Massive", "Pied Piper", "Dunder", "Monarch", "Nakatomi", "Prestige", "Sterling", "Vehement",
	"Zenith", "Blue Harbor", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware"}

var companySuffixes = []string{"Labs", "Systems", "Analytics", "Logistics", "Health", "Cloud",
	"Robotics", "Foods", "Energy", "Capital"}

type industryDef struct {
	industry, subIndustry string
	sic                   int64
	sicDescription        string
	naics                 int64
	naicsDescription      string
}

var industries = []industryDef{
	{"Technology, Information & Media", "Software Development", 7371, "Custom computer programming services", 541511, "Custom Computer Programming Services"},
	{"Financial Services", "Banking", 6021, "National commercial banks", 522110, "Commercial Banking"},
	{"Hospitals & Health Care", "Medical Practices", 8011, "Offices and clinics of doctors of medicine", 621111, "Offices of Physicians"},
	{"Manufacturing", "Industrial Machinery Manufacturing", 3559, "Special industry machinery", 333249, "Other Industrial Machinery Manufacturing"},
	{"Retail", "Food and Beverage Retail", 5411, "Grocery stores", 445110, "Supermarkets and Other Grocery Retailers"},
	{"Transportation, Logistics & Storage", "Freight and Package Transportation", 4213, "Trucking, except local", 484121, "General Freight Trucking, Long-Distance"},
}

type place struct {
	city, state, stateCode, country, iso2, continent, zip string
	lon, lat                                              float64
	eu                                                    bool
	dial                                                  string // country calling code and area code
}

var places = []place{
	{"San Francisco", "California", "CA", "United States", "US", "North America", "94105", -122.42, 37.77, false, "+1415"},
	{"New York", "New York", "NY", "United States", "US", "North America", "10001", -74.01, 40.71, false, "+1212"},
	{"Austin", "Texas", "TX", "United States", "US", "North America", "78701", -97.74, 30.27, false, "+1512"},
	{"Boston", "Massachusetts", "MA", "United States", "US", "North America", "02199", -71.06, 42.36, false, "+1617"},
	{"Toronto", "Ontario", "ON", "Canada", "CA", "North America", "M5H 2N2", -79.38, 43.65, false, "+1416"},
	{"London", "England", "", "United Kingdom", "GB", "Europe", "EC1A 1BB", -0.13, 51.51, false, "+4420"},
	{"Berlin", "Berlin", "BE", "Germany", "DE", "Europe", "10115", 13.40, 52.52, true, "+4930"},
	{"Paris", "Île-de-France", "IDF", "France", "FR", "Europe", "75001", 2.35, 48.86, true, "+331"},
	{"Amsterdam", "North Holland", "NH", "Netherlands", "NL", "Europe", "1012", 4.90, 52.37, true, "+3120"},
	{"Madrid", "Community of Madrid", "MD", "Spain", "ES", "Europe", "28001", -3.70, 40.42, true, "+3491"},
	{"Tel Aviv", "Tel Aviv District", "", "Israel", "IL", "Asia", "6100000", 34.78, 32.08, false, "+9723"},
}

var departments = []string{"Sales", "Marketing", "Engineering & Technical", "Product", "Finance",
	"Human Resources", "Operations", "Business Development", "Customer Service", "Information Technology"}

// seniorities are weighted by repetition: most people are not executives.
var seniorities = []string{"Founder", "C-Suite", "Vice President", "Director", "Director", "Manager",
	"Manager", "Manager", "Senior", "Senior", "Non-Manager", "Non-Manager"}

var titleByDepartment = map[string]string{
	"Sales": "Sales", "Marketing": "Marketing", "Engineering & Technical": "Engineering",
	"Product": "Product", "Finance": "Finance", "Human Resources": "People",
	"Operations": "Operations", "Business Development": "Partnerships",
	"Customer Service": "Customer Success", "Information Technology": "IT",
}

var technologies = []string{"salesforce", "hubspot", "aws", "google analytics", "react", "node.js",
	"kubernetes", "snowflake", "zendesk", "stripe", "slack", "postgresql"}

var intentTopicNames = []string{"Cloud Migration", "Sales Intelligence", "Data Enrichment",
	"Cybersecurity", "CRM Software", "Marketing Automation"}

// employeeBuckets are Lusha's size ranges; a company's exact count falls in one.
var employeeBuckets = [][2]int64{{1, 10}, {11, 50}, {51, 200}, {201, 500}, {501, 1000},
	{1001, 5000}, {5001, 10000}, {10001, 100000}}

var revenueBuckets = [][2]float64{{1e6, 1e7}, {1e7, 5e7}, {5e7, 1e8}, {1e8, 1e9}, {1e9, 1e10}, {1e10, 1e11}}
