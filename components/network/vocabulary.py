"""Word banks for the sample-network generator.

Kept apart from the composition logic so the generator reads as a recipe. Industries carry their
own role families, skills, products and post topics so that a generated data engineer works at a
data company, lists data skills and posts about pipelines: the router and the agents see coherent
records, not shuffled noise. The sentence banks that posts, comments, news and articles are written
from live in `texts`; they are read here too, as before.
"""

from components.network.texts import (  # noqa: F401 - read as vocab.<NAME> by the generator and the router
    ARTICLE_SOURCES,
    ARTICLE_TOPICS,
    COMMENT_BANK,
    NEWS_TEMPLATES,
    TOPIC_SENTENCES,
)

FIRST_NAMES = (
    "Aisha Alejandro Amara Ananya Andrei Astrid Ayumi Beatriz Bilal Bongani Caoimhe Carlos Chen Chiara "
    "Chinedu Dagny Daniel Dario Deepa Diego Dmitri Elena Emeka Emma Esra Fatima Felix Freya Gabriel "
    "Giulia Hana Hamid Hugo Ines Ingrid Isabel Ivan Jabari Jana Javier Jin Joao Jonas Julia Kai Kamala "
    "Karim Kenji Kofi Lars Laila Lena Leon Lucia Luis Maya Mehmet Mei Mina Mohammed Nadia Naledi Nikhil "
    "Nina Noah Olga Omar Oskar Paulo Priya Rafael Rania Ravi Rosa Ruth Sakura Samir Sara Sebastian Sofia "
    "Soren Sunita Tariq Thandiwe Theo Tomas Valentina Victor Wei Xavier Yara Yusuf Zainab Zoe"
).split()

LAST_NAMES = (
    "Abebe Adeyemi Ahmed Alvarez Andersson Bakker Banerjee Becker Bianchi Brennan Castillo Chatterjee "
    "Cohen Costa Dubois Eriksen Fernandes Fischer Garcia Gonzalez Gupta Haddad Hansen Hoffmann Horvath "
    "Ibrahim Ito Ivanova Jansen Jensen Kapoor Kato Kim Kowalski Kumar Larsen Laurent Lee Lindqvist Lopez "
    "Mahlangu Martin Mendes Moreau Muller Murphy Nakamura Nguyen Novak Nowak Nwosu Okafor Olsen Oliveira "
    "Osei Ozturk Park Patel Pereira Petrov Popescu Quispe Rahman Reyes Rossi Russo Santos Sato Schmidt "
    "Sharma Silva Singh Sokolov Suzuki Tanaka Thompson Tran Van Dijk Vargas Wagner Walsh Wang Watanabe "
    "Weber Wilson Yamamoto Yilmaz Zhang Zhou"
).split()

CITIES = (
    "Amsterdam, Netherlands", "Austin, TX", "Bangalore, India", "Barcelona, Spain", "Berlin, Germany",
    "Boston, MA", "Cape Town, South Africa", "Chicago, IL", "Copenhagen, Denmark", "Dublin, Ireland",
    "Lagos, Nigeria", "Lisbon, Portugal", "London, United Kingdom", "Madrid, Spain", "Melbourne, Australia",
    "Mexico City, Mexico", "Milan, Italy", "Munich, Germany", "Nairobi, Kenya", "New York, NY",
    "Paris, France", "Sao Paulo, Brazil", "Seattle, WA", "Seoul, South Korea", "Singapore",
    "Stockholm, Sweden", "Sydney, Australia", "Tokyo, Japan", "Toronto, Canada", "Warsaw, Poland",
    "Zurich, Switzerland", "San Francisco, CA", "Denver, CO", "Atlanta, GA", "Vancouver, Canada",
)

NAME_NOUNS = ("peak", "bridge", "river", "stone", "field", "north", "oak", "star", "wave", "point",
              "forge", "path", "line", "works", "harbor", "leaf", "gate", "light", "mark", "grove")

SIZES = ("11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+")

SCHOOLS = (
    "University of Toronto", "Technical University of Munich", "University of Cape Town", "IIT Bombay",
    "University of Lagos", "KTH Royal Institute of Technology", "University of Melbourne",
    "Universidad de Buenos Aires", "University of Michigan", "Georgia Tech", "ETH Zurich",
    "National University of Singapore", "University of Warsaw", "Trinity College Dublin",
    "University of Nairobi", "Seoul National University", "University of Sao Paulo", "UC Berkeley",
    "University of Edinburgh", "Sciences Po", "Politecnico di Milano", "University of Washington",
)

DEGREES = ("BSc", "BA", "MSc", "MA", "MBA", "PhD", "BEng", "MEng")

SENIORITY_PREFIX = {
    "intern": "Intern,", "entry": "Junior", "associate": "Associate", "mid": "", "senior": "Senior",
    "lead": "Lead", "director": "Director of", "executive": "VP of",
}

# What a director or VP of a role heads: "Director of Data Engineering", not "Director of Data Engineer".
# A role not named here heads its title with the last word's field (FUNCTION_OF_WORD).
ROLE_FUNCTIONS = {
    "Registered Nurse": "Nursing", "Compliance Officer": "Compliance", "Store Operations Lead": "Store Operations",
    "Field Technician": "Field Operations", "Account Director": "Client Accounts", "Teacher": "Teaching",
    "Bioinformatics Scientist": "Bioinformatics", "Financial Analyst": "Financial Analysis",
}
FUNCTION_OF_WORD = {
    "Engineer": "Engineering", "Manager": "Management", "Analyst": "Analytics", "Scientist": "Science",
    "Developer": "Development", "Strategist": "Strategy", "Marketer": "Marketing", "Designer": "Design",
}

# Each industry: company-name parts, role families (title, its skills), products and post topics.
INDUSTRIES = {
    "Software": {
        "name_parts": ("Byte", "Stack", "Cloud", "Nimbus", "Kernel", "Vector", "Lambda", "Pixel", "Quantum"),
        "suffixes": ("Labs", "Systems", "Software", "Technologies", "IO"),
        "roles": {
            "Software Engineer": ["Python", "Go", "Distributed Systems", "Kubernetes", "SQL", "System Design",
                                  "CI/CD", "Java", "TypeScript", "Microservices"],
            "Data Engineer": ["Python", "SQL", "Apache Spark", "Airflow", "dbt", "Data Modeling", "Kafka",
                              "Data Warehousing", "Polars"],
            "Machine Learning Engineer": ["Python", "PyTorch", "MLOps", "Ray", "Model Serving", "Statistics",
                                          "Feature Engineering", "LLM Fine-tuning", "Kubernetes"],
            "Product Manager": ["Roadmapping", "User Research", "A/B Testing", "Stakeholder Management",
                                "SQL", "Product Strategy", "Agile"],
            "Site Reliability Engineer": ["Kubernetes", "Terraform", "Prometheus", "Incident Response",
                                          "Linux", "Go", "Observability"],
            "Frontend Engineer": ["TypeScript", "React", "CSS", "Accessibility", "Web Performance",
                                  "Design Systems"],
        },
        "products": ("observability platform", "developer API", "cloud data warehouse", "CI service",
                     "feature store", "vector database", "identity platform", "low-code workflow builder"),
        "topics": ("engineering", "ai", "career", "leadership"),
    },
    "Healthcare": {
        "name_parts": ("Care", "Vita", "Medi", "Pulse", "Helix", "Cura", "Thrive"),
        "suffixes": ("Health", "Medical", "Therapeutics", "Clinics", "Bio"),
        "roles": {
            "Clinical Data Analyst": ["SQL", "R", "Clinical Trials", "Biostatistics", "HIPAA", "Tableau"],
            "Registered Nurse": ["Patient Care", "Triage", "Electronic Health Records", "Care Coordination"],
            "Health Product Manager": ["Product Strategy", "Regulatory Compliance", "User Research",
                                       "Roadmapping", "Stakeholder Management"],
            "Bioinformatics Scientist": ["Python", "Genomics", "R", "Statistics", "Machine Learning"],
        },
        "products": ("telehealth app", "remote patient monitoring", "clinical trial platform",
                     "diagnostic imaging AI", "care coordination software"),
        "topics": ("healthcare", "ai", "career", "leadership"),
    },
    "Finance": {
        "name_parts": ("Ledger", "Summit", "Harbor", "Atlas", "Crest", "Meridian", "Granite"),
        "suffixes": ("Capital", "Bank", "Financial", "Payments", "Partners"),
        "roles": {
            "Financial Analyst": ["Financial Modeling", "Excel", "Forecasting", "Valuation", "SQL"],
            "Risk Manager": ["Credit Risk", "Basel III", "Stress Testing", "Python", "Regulatory Reporting"],
            "Quantitative Developer": ["C++", "Python", "Statistics", "Derivatives Pricing", "Low Latency"],
            "Compliance Officer": ["AML", "KYC", "Regulatory Compliance", "Audit", "Policy Writing"],
        },
        "products": ("payments API", "small-business lending", "wealth management app", "fraud detection",
                     "corporate cards"),
        "topics": ("finance", "career", "leadership", "ai"),
    },
    "Retail": {
        "name_parts": ("Market", "Basket", "Urban", "Maple", "Coral", "Northwind", "Fable"),
        "suffixes": ("Retail", "Stores", "Commerce", "Goods", "Brands"),
        "roles": {
            "Category Manager": ["Merchandising", "Pricing", "Supplier Negotiation", "Excel", "Forecasting"],
            "Supply Chain Analyst": ["Demand Planning", "SQL", "Inventory Optimization", "SAP", "Logistics"],
            "E-commerce Manager": ["SEO", "Conversion Optimization", "Google Analytics", "A/B Testing",
                                   "Digital Marketing"],
            "Store Operations Lead": ["Team Leadership", "Scheduling", "Customer Service", "P&L Management"],
        },
        "products": ("online marketplace", "loyalty program", "same-day delivery", "private-label apparel",
                     "in-store pickup"),
        "topics": ("retail", "career", "leadership", "marketing"),
    },
    "Energy": {
        "name_parts": ("Solar", "Terra", "Volt", "Gale", "Aurora", "Tidal", "Evergreen"),
        "suffixes": ("Energy", "Power", "Renewables", "Grid", "Utilities"),
        "roles": {
            "Electrical Engineer": ["Power Systems", "AutoCAD", "Grid Integration", "MATLAB", "Project Management"],
            "Energy Analyst": ["Energy Modeling", "Python", "Excel", "Policy Analysis", "Forecasting"],
            "Project Manager": ["Project Management", "Stakeholder Management", "Budgeting", "Permitting",
                                "Risk Management"],
            "Field Technician": ["Wind Turbine Maintenance", "Safety Compliance", "Electrical Troubleshooting"],
        },
        "products": ("utility-scale solar farms", "home battery storage", "EV charging network",
                     "grid analytics software", "offshore wind"),
        "topics": ("energy", "sustainability", "career", "leadership"),
    },
    "Marketing": {
        "name_parts": ("Bright", "Echo", "Spark", "Story", "Signal", "Canvas", "Loud"),
        "suffixes": ("Media", "Agency", "Marketing", "Studio", "Creative"),
        "roles": {
            "Content Strategist": ["Content Strategy", "SEO", "Copywriting", "Editorial Planning", "Analytics"],
            "Growth Marketer": ["Paid Acquisition", "A/B Testing", "SQL", "Lifecycle Marketing", "Analytics"],
            "Brand Designer": ["Figma", "Brand Identity", "Typography", "Adobe Illustrator", "Motion Design"],
            "Account Director": ["Client Management", "Negotiation", "Team Leadership", "Budgeting"],
        },
        "products": ("brand campaigns", "influencer programs", "marketing analytics dashboard",
                     "content studio", "performance marketing"),
        "topics": ("marketing", "career", "leadership", "ai"),
    },
    "Education": {
        "name_parts": ("Learn", "Bright", "Scholar", "Mentor", "Quest", "Open", "Kite"),
        "suffixes": ("Academy", "Learning", "Education", "Institute", "EdTech"),
        "roles": {
            "Instructional Designer": ["Curriculum Design", "E-learning", "Articulate Storyline", "Assessment"],
            "Education Data Scientist": ["Python", "Statistics", "Learning Analytics", "SQL", "Experiment Design"],
            "Program Manager": ["Program Management", "Stakeholder Management", "Budgeting", "Partnerships"],
            "Teacher": ["Classroom Management", "Lesson Planning", "Mentoring", "Assessment"],
        },
        "products": ("online coding bootcamp", "adaptive learning app", "tutoring marketplace",
                     "university partnerships", "language learning platform"),
        "topics": ("education", "career", "leadership", "ai"),
    },
}
