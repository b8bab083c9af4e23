"""Sentence banks for the sample-network generator: what posts, comments, news and articles say."""

TOPIC_SENTENCES = {
    "engineering": (
        "We cut our deploy time from forty minutes to six by caching dependencies and splitting the test suite.",
        "Code review is where culture is set: ask questions, do not issue verdicts.",
        "Observability is not dashboards, it is being able to answer a question you did not plan for.",
        "The most valuable refactor this year was deleting a service nobody owned.",
        "Boring technology wins when the on-call rotation is three people.",
        "Write the design doc before the code, and let the review find the expensive mistakes early.",
        "Flaky tests cost us more engineering hours than any outage last quarter.",
    ),
    "ai": (
        "Evaluation is the hardest part of shipping an LLM feature, not the prompt.",
        "Small models route and plan well; save the big model for the final answer.",
        "Hallucinations dropped once we grounded every answer in retrieved facts and showed the sources.",
        "Annotators disagree more than you think, so measure agreement before trusting a metric.",
        "Latency matters: members notice a slow first token far more than a slow last one.",
        "Our retrieval quality improved more from better chunking than from a bigger embedding model.",
        "Responsible AI reviews belong at the start of a project, not the week before launch.",
    ),
    "career": (
        "Three years ago I was rejected from twelve jobs; the thirteenth changed my career.",
        "Ask for the scope you want before you ask for the title.",
        "Your network is the people you have helped, not the people you have met.",
        "Switching from teaching to product management was the scariest and best decision I made.",
        "A portfolio of small finished projects beats one ambitious unfinished one.",
        "Negotiate the offer: the worst answer is no, and it is rarely no.",
        "Mentorship works best when the mentee sets the agenda.",
    ),
    "leadership": (
        "The best managers I had made their expectations explicit and their feedback frequent.",
        "Hiring slowly and letting go quickly is easy to say and hard to do kindly.",
        "One-on-ones are the employee's meeting, not a status update.",
        "Remote teams need written decisions more than they need more meetings.",
        "Burnout is a system problem before it is a personal one.",
        "Celebrate the team that prevented the incident, not only the one that fixed it.",
    ),
    "healthcare": (
        "Telehealth visits doubled in our rural clinics once we added evening hours.",
        "Clinical data is only useful when nurses trust the dashboard.",
        "Interoperability standards save more lives than any single new device.",
        "Patient outcomes improved when pharmacists joined the discharge conversation.",
    ),
    "finance": (
        "Rising rates changed how every startup CFO thinks about runway.",
        "Fraud models need retraining as fast as fraudsters change tactics.",
        "Real-time payments are forcing banks to rebuild decades-old ledgers.",
        "A good financial model tells a story; a great one shows its assumptions.",
    ),
    "retail": (
        "Same-day delivery raised basket size more than any promotion we ran this year.",
        "Store associates with good tools sell more than any recommendation engine.",
        "Inventory accuracy is the unglamorous foundation of omnichannel retail.",
        "Private-label products grew faster than national brands in our stores.",
    ),
    "energy": (
        "Battery storage is what turns cheap solar into reliable power.",
        "Grid interconnection queues are now the biggest bottleneck for renewables.",
        "Our wind technicians climbed more turbines this year than ever, with zero lost-time incidents.",
        "Heat pumps are the quiet revolution in home energy.",
    ),
    "sustainability": (
        "Scope 3 emissions are where the real climate work lives.",
        "Sustainability reports mean little without audited numbers.",
        "Circular design starts with the procurement team, not the marketing team.",
    ),
    "marketing": (
        "Brand is what people say about you when you are not in the room.",
        "We stopped chasing impressions and started measuring qualified conversations.",
        "The best campaigns we ran this year started with customer interviews.",
        "Attribution models are opinions with a spreadsheet attached.",
    ),
    "education": (
        "Students finish courses when they have a cohort, not just content.",
        "Adaptive practice helped our learners close gaps twice as fast.",
        "Teachers need time to learn new tools before they can teach with them.",
        "Apprenticeships deserve as much respect as degrees.",
    ),
}

COMMENT_BANK = (
    "Great insight, thanks for sharing!", "This matches what we saw on our team.",
    "Could you share more about how you measured that?", "Strongly agree with the second point.",
    "I had the opposite experience, but I see your argument.", "Saving this for my next team meeting.",
    "Congratulations on the milestone!", "What would you do differently next time?",
    "This is why I follow your posts.", "Underrated point about documentation.",
)

NEWS_TEMPLATES = (
    "{company} raises {amount} to expand its {product}",
    "{company} opens a new office in {city}",
    "{company} launches a redesigned {product}",
    "{company} announces partnership with {other} on {product}",
    "{company} reports {pct}% revenue growth year over year",
    "{company} appoints new Chief Technology Officer",
    "{company} announces layoffs affecting {pct}% of staff",
    "{company} wins industry award for its {product}",
)

ARTICLE_TOPICS = {
    "resume": ("How to write a resume that passes recruiter screens",
               "Keep a resume to one or two pages and lead each bullet with an outcome and a number. Recruiters "
               "skim for relevance to the role, so mirror the language of the job description honestly. Put the "
               "skills the role requires near the top, and remove outdated technologies."),
    "interviews": ("Preparing for behavioural interviews with the STAR method",
                   "The STAR method answers a behavioural question in four parts: the Situation, the Task, the "
                   "Action you took and the Result. Prepare five stories "
                   "that show ownership, conflict resolution, failure and learning, leadership and impact. "
                   "Practise out loud and keep each answer under two minutes."),
    "negotiation": ("Negotiating a job offer without burning bridges",
                    "Thank the employer, ask for the offer in writing, research market ranges for the role "
                    "and location, and anchor with data. Negotiate total compensation: base salary, equity, "
                    "signing bonus, remote flexibility and start date."),
    "career_change": ("Changing careers in your thirties: a practical plan",
                      "Map your transferable skills to the new field, take one small project that proves them, "
                      "talk to five people who already do the job, and consider a bridge role. Expect a "
                      "temporary step down in title but not necessarily in pay."),
    "remote_work": ("Thriving in a remote-first team",
                    "Write things down, over-communicate decisions, protect focus time and schedule informal "
                    "conversations. Remote work rewards clarity and reliability more than visibility."),
    "leadership": ("Your first ninety days as a new manager",
                   "Leadership starts with listening: hold one-on-ones with everyone, learn the team's history "
                   "and pain points, and agree on expectations with your own manager. Pick one visible early win "
                   "and avoid reorganising anything in the first month."),
    "ai_careers": ("Skills that matter for machine learning engineering roles",
                   "Employers look for solid software engineering, data handling, model evaluation and "
                   "deployment experience. MLOps, model serving and monitoring experience increasingly "
                   "separate strong candidates from those who only trained models in notebooks."),
    "networking": ("Networking for introverts",
                   "Start with warm connections, offer help before asking for it, and follow up with "
                   "something specific. Small groups and written conversations often work better than large "
                   "events."),
    "layoffs": ("What to do in the first week after a layoff",
                "Review your severance and benefits, file for unemployment support where available, update "
                "your profile, tell your network what you are looking for, and give yourself a few days "
                "before applying broadly."),
    "salary": ("Understanding salary ranges in job postings",
               "Pay transparency laws require ranges in many places. The midpoint is a common target for "
               "qualified candidates; the top is usually for candidates who exceed every requirement. "
               "Location and level change ranges more than company size."),
    "industry_trends": ("Hiring trends across industries this year",
                        "Demand for data and AI skills keeps growing across healthcare, finance and retail. "
                        "Energy companies are hiring electrical engineers and project managers for grid "
                        "projects, while marketing teams look for analytics skills."),
    "upskilling": ("Choosing a certification that employers value",
                   "Pick certifications that match job requirements you see repeatedly, prefer hands-on "
                   "exams, and pair each certificate with a project you can show."),
    "promotion": ("Asking for a promotion: build the case before the conversation",
                  "Ask for a promotion with evidence, not tenure: list the outcomes you delivered at the next "
                  "level's scope. Ask your manager what the next level requires and where you fall short. Raise "
                  "it before review season, and agree on a date to check progress together."),
    "cover_letters": ("Writing a cover letter a hiring manager will read",
                      "A cover letter says why this role and this company, in three short paragraphs. Open with "
                      "what you would bring, back it with one result from your experience, and close by asking "
                      "for a conversation. Never repeat your resume line by line."),
    "offers": ("Reading a job offer: salary, bonus, equity and benefits",
               "Compare offers on total compensation, not base salary alone. Stock options are the right to buy "
               "shares at a fixed price once they vest, often over four years with a one-year cliff. Check the "
               "notice period, probation, bonus targets and any non-compete clause before you sign."),
    "profile": ("Writing a profile headline and summary that recruiters find",
                "Your headline should name the role you want and the skills recruiters search for, not only "
                "your current title. Use the summary for two or three outcomes and the work you want next. Keep "
                "your skills current and ask colleagues for recommendations that name specific work."),
    "job_search": ("A job search strategy that gets more interviews",
                   "Apply to fewer roles and tailor each application: a referral or a note to the hiring manager "
                   "gets far more replies than a cold application. Track every application, follow up after a "
                   "week, and notice which version of your resume gets answers."),
    "feedback": ("Giving and asking for feedback at work",
                 "Give feedback soon after the event: describe the behaviour, its impact, and what to try next. "
                 "When your manager gives you none, ask in your one-on-ones what you should keep doing and what "
                 "you should change. A performance review holds no surprises when feedback flows all year."),
    "burnout": ("Recognising burnout before you quit",
                "Exhaustion, cynicism and a sense that your work no longer matters are the signs of burnout. "
                "Talk to your manager about workload before deciding to leave, and take the leave you are owed. "
                "A planned career break, with savings and a date to return, can be a healthy choice."),
    "career_gap": ("Returning to work after a career break",
                   "Explain a gap in one honest sentence, then talk about what you are ready to do now. Refresh a "
                   "skill or two that the roles you want ask for, reconnect with former colleagues, and look for "
                   "returnship programmes. Employers understand parental leave and caring for family."),
    "first_job": ("Landing your first job after graduating",
                  "Internships, course projects and volunteering count as experience: say what you did and what "
                  "came of it. Apply to graduate programmes early, ask alumni for informational interviews, and "
                  "keep a short portfolio of work you can show."),
    "freelancing": ("Going freelance: what to check before you quit",
                    "Line up two or three clients and six months of savings before you leave a salaried job. "
                    "Contractors pay their own taxes, insurance and pension, so set rates well above your salary "
                    "divided by working hours. Put scope, payment terms and ownership of the work in a contract."),
    "management_track": ("Manager or individual contributor: choosing your track",
                         "Managers grow through other people: hiring, feedback and planning fill most of their "
                         "week. Staff and principal engineers grow through technical scope and influence without "
                         "reports. Try management first by mentoring, leading a project or running one-on-ones."),
    "hiring_process": ("How a typical hiring process works",
                       "Most hiring runs through an applicant tracking system, a recruiter screen, a call with the "
                       "hiring manager, an interview loop and a reference check. The hiring manager or a hiring "
                       "committee decides, and many companies run a background check before the offer."),
    "startups": ("Startup or large company: weighing the move",
                 "Startups offer broad scope, fast decisions and equity of uncertain value; large companies offer "
                 "structure, mentorship and steadier pay. Before joining a startup, ask about its funding, its "
                 "runway and who makes decisions."),
}

ARTICLE_SOURCES = ("Career Journal", "Workplace Weekly", "Tech Hiring Review", "The Professional",
                   "Industry Pulse", "Talent Insights")
