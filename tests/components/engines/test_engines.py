"""The streaming contract, the registry, and the extractive and sim engines."""

import time

import pytest

from components.engines import (
    Engine,
    EngineConfig,
    EngineError,
    Finished,
    GenerationRequest,
    Grounding,
    SimConfig,
    TextDelta,
    UnknownEngineError,
    VLLMConfig,
    create_engine,
    engine_model,
    engine_names,
    register_engine,
    unregister_engine,
)
from components.engines.extractive import ExtractiveEngine, compose_answer
from components.engines.sim import SimEngine, inject_yaml_mistakes
from components.skills import SkillCall, SkillResult
from components.structured import parse_yaml
from tests.components.structured.schemas import Plan

PLAN = ("calls:\n  - skill: job_view\n    params:\n      job_id: j00001\n"
        "  - skill: profile_view\n    params:\n      member_id: m1\n")
JOB = {"title": "Data Engineer", "company": "Acme", "seniority": "mid", "workplace": "remote", "location": "Remote",
       "requirements": ["3+ years of experience as a Data Engineer", "Python experience", "Spark experience"],
       "salary_min": 100000, "salary_max": 130000, "salary_currency": "USD"}
PROFILE = {"name": "Ana", "headline": "Data Analyst at Foo", "skills": ["Python", "SQL"]}


def _grounding(agent="job_assessment", results=None) -> Grounding:
    results = results if results is not None else (
        SkillResult(skill="job_view", params={"job_id": "j1"}, status="done", data=JOB, latency_ms=1),
        SkillResult(skill="profile_view", params={"member_id": "m1"}, status="done", data=PROFILE, latency_ms=1))
    return Grounding(agent, "am I a fit?", "job", "j1", "m1", results, PLAN)


async def _collect(engine: Engine, request: GenerationRequest) -> tuple[str, list]:
    events = [event async for event in engine.generate(request)]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), events


def _assert_contract(events):
    assert isinstance(events[-1], Finished)
    assert all(isinstance(e, TextDelta) for e in events[:-1])


async def test_extractive_job_fit_uses_only_dossier_facts():
    text, events = await _collect(create_engine(EngineConfig(kind="extractive")),
                                  GenerationRequest("r1", "answer", "prompt", _grounding()))
    _assert_contract(events)
    assert "Data Engineer" in text and "Acme" in text and "USD 100,000" in text
    assert "- Python experience" in text.split("What you already bring")[1].split("Where")[0]
    assert "Spark experience" in text.split("Where the posting asks")[1]
    assert "1 of 3" in text


def _job_fit(job: dict, profile: dict) -> str:
    results = (SkillResult(skill="job_view", params={"job_id": "j1"}, status="done", data=job, latency_ms=1),
               SkillResult(skill="profile_view", params={"member_id": "m1"}, status="done", data=profile, latency_ms=1))
    return compose_answer(Grounding("job_assessment", "am I a fit?", "job", "j1", "m1", results, PLAN))


def _sections(text: str) -> tuple[list[str], list[str]]:
    bring = text.split("What you already bring:\n")[1].split("\n\n")[0].splitlines() if "already bring" in text else []
    more = text.split("shows:\n")[1].split("\n\n")[0].splitlines() if "asks for more" in text else []
    return bring, more


def test_extractive_job_fit_counts_years_in_a_role_across_its_ranks_and_skills_the_work_mentions():
    """A senior ML engineer of eight years was told the posting wanted "5+ years as a Machine Learning Engineer"."""
    job = {**JOB, "title": "Senior Machine Learning Engineer", "requirements": [
        "5+ years of experience as a Machine Learning Engineer", "Python experience", "PyTorch experience",
        "Kubernetes experience"]}
    profile = {"headline": "Senior Machine Learning Engineer at Pixelpath", "skills": ["PyTorch", "MLOps"],
               "titles": ["Senior Machine Learning Engineer", "Junior Machine Learning Engineer"],
               "experience": [
                   {"title": "Senior Machine Learning Engineer", "company_name": "Pixelpath", "start": "2022-01-10",
                    "end": None, "description": "Led the feature store; Python and Ray daily."},
                   {"title": "Junior Machine Learning Engineer", "company_name": "Byteworks", "start": "2018-02-08",
                    "end": "2021-12-20", "description": "Model serving on bare metal."}]}
    bring, more = _sections(_job_fit(job, profile))
    assert bring[0].startswith("- 5+ years of experience as a Machine Learning Engineer (you have ")
    assert "- Python experience (your work at Pixelpath mentions it)" in bring
    assert "- PyTorch experience" in bring
    assert more == ["- Kubernetes experience"]
    assert "You meet 3 of 4 listed requirements: a strong match." in _job_fit(job, profile)


def test_extractive_job_fit_matches_skills_as_words_and_says_when_the_field_changes():
    """The skill "R" once met every requirement: "r" is in "experience"."""
    job = {**JOB, "title": "Clinical Data Analyst", "requirements": [
        "7+ years of experience as a Clinical Data Analyst", "SQL experience", "R or SAS experience"]}
    profile = {"headline": "Bioinformatics Scientist at Helix", "skills": ["R", "Statistics"],
               "titles": ["Bioinformatics Scientist"],
               "experience": [{"title": "Bioinformatics Scientist", "company_name": "Helix", "start": "2023-03-01",
                               "end": None, "description": "Genomics pipelines."}]}
    text = _job_fit(job, profile)
    bring, more = _sections(text)
    assert bring == ["- R or SAS experience"]
    assert more == ["- 7+ years of experience as a Clinical Data Analyst (none of your roles so far)",
                    "- SQL experience"]
    assert ("This would be a change of field: the posting wants years as a Clinical Data Analyst, and your most "
            "recent role is Bioinformatics Scientist.") in text


def test_extractive_job_fit_says_how_long_when_it_is_not_long_enough():
    job = {**JOB, "requirements": ["5+ years of experience as a Data Engineer"]}
    recent = {"title": "Data Engineer", "company_name": "Acme", "start": "2020-01-01", "end": "2022-06-30"}
    bring, more = _sections(_job_fit(job, {**PROFILE, "titles": ["Data Engineer"], "experience": [recent]}))
    assert not bring and more == ["- 5+ years of experience as a Data Engineer (your profile shows 2 years as one)"]
    undated = _job_fit(job, {**PROFILE, "titles": ["Data Engineer"]})
    assert "(your profile does not say for how long)" in undated and "change of field" not in undated


async def test_extractive_plans_the_default_plan():
    text, _ = await _collect(create_engine(EngineConfig(kind="extractive")),
                             GenerationRequest("r1", "plan", "prompt", _grounding()))
    assert text == PLAN


def _failed(skill: str, failure: str) -> SkillResult:
    error = "not found: no such record" if failure == "not_found" else "timed out after 2s"
    return SkillResult(skill=skill, params={}, status="failed", error=error, failure=failure, latency_ms=1)


# Each agent's answer with nothing to go on: what it says when the calls it rests on could not be answered,
# and what it says when they answered that there is none. The second is an absence; the first never is.
NOTHING_TO_GO_ON = [
    ("general_knowledge", "none", ("web_search",), "could not find a source"),
    ("job_assessment", "job", ("job_view",), "could not read this job posting"),
    ("job_assessment", "none", ("job_search",), None),
    ("post_takeaways", "post", ("post_view",), "could not find this post"),
    ("company_understanding", "company", ("company_view", "news_search"), "could not find that company"),
    ("company_understanding", "none", ("company_lookup",), "could not find that company"),
    ("company_understanding", "job", ("company_lookup", "job_view"), "could not find that company"),
    ("career_advice", "profile", ("profile_view", "job_search", "web_search"), None),
]


@pytest.mark.parametrize(("agent", "page", "skills", "absence"), NOTHING_TO_GO_ON)
@pytest.mark.parametrize("failure", ["unavailable", "rejected"])
def test_extractive_tells_a_failed_call_as_unavailable_never_as_an_absence(agent, page, skills, absence, failure):
    notice = "Some information is temporarily unavailable: ... Please try again in a moment."
    grounding = Grounding(agent, "what about it?", page, None if page == "none" else "x1", "m1",
                          tuple(_failed(skill, failure) for skill in skills), notice=notice)
    assert compose_answer(grounding) == notice
    plain = compose_answer(Grounding(agent, "what about it?", page, None if page == "none" else "x1", "m1",
                                     tuple(_failed(skill, failure) for skill in skills)))
    assert "temporarily unavailable" in plain and "try again" in plain  # with no notice computed, a plain one


@pytest.mark.parametrize(("agent", "page", "skills", "absence"), [case for case in NOTHING_TO_GO_ON if case[3]])
def test_extractive_tells_a_real_not_found_as_an_absence(agent, page, skills, absence):
    grounding = Grounding(agent, "what about it?", page, None if page == "none" else "x1", "m1",
                          tuple(_failed(skill, "not_found") for skill in skills), notice="")
    answer = compose_answer(grounding)
    assert absence in answer and "unavailable" not in answer


def test_extractive_keeps_what_answered_when_a_secondary_call_failed():
    failed = (SkillResult(skill="job_view", params={"job_id": "j1"}, status="done", data=JOB, latency_ms=1),
              _failed("profile_view", "unavailable"))
    answer = compose_answer(_grounding(results=failed))
    assert JOB["title"] in answer and "Share your profile" not in answer  # the member may well have one


def test_extractive_lists_a_story_filed_more_than_once_once():
    company = {"description": "Acme makes rockets.", "products": ["rockets"],
               "news": ["Acme appoints new CTO", "Acme appoints new CTO", "Acme opens an office in Lyon"]}
    results = (SkillResult(skill="company_view", params={"company_id": "c1"}, status="done", data=company,
                           latency_ms=1),)
    text = compose_answer(Grounding("company_understanding", "tell me about Acme", "company", "c1", None, results))
    assert text.split("Recent news:\n")[1].splitlines() == ["- Acme appoints new CTO", "- Acme opens an office in Lyon"]


def test_extractive_company_answers_the_jobs_and_people_asked_about():
    company = {"name": "Acme", "description": "Acme makes rockets.", "products": [], "news": []}
    jobs = [{"title": "Data Engineer", "company": "Acme", "location": "Lyon", "workplace": "hybrid"},
            {"title": "Chemist", "company": "Acme Labs", "location": "Oslo", "workplace": "onsite"},  # not Acme
            {"title": "Analyst", "company": "Acme", "location": "Remote", "workplace": "remote"}]
    people = [{"name": "Ana Lee", "headline": "Engineer at Acme"},
              {"name": "Bo Ek", "headline": "Chemist at Acme Labs"}]
    results = (SkillResult(skill="company_view", params={}, status="done", data=company, latency_ms=1),
               SkillResult(skill="job_search", params={}, status="done", data=jobs, latency_ms=1),
               SkillResult(skill="people_search", params={}, status="done", data=[], latency_ms=1))
    text = compose_answer(Grounding("company_understanding", "jobs and people?", "company", "c1", None, results))
    assert "Open roles at Acme:\n- Data Engineer (Lyon, hybrid)\n- Analyst (Remote)\n" in text
    assert text.endswith("I found no one at Acme in the network.")
    plain = compose_answer(Grounding("company_understanding", "what do they do?", "company", "c1", None, results[:1]))
    assert plain == "Acme makes rockets."
    with_people = (results[0], SkillResult(skill="people_search", params={}, status="done", data=people, latency_ms=1))
    assert compose_answer(Grounding("company_understanding", "who?", "company", "c1", None, with_people)).endswith(
        "People at Acme on the network:\n- Ana Lee, Engineer at Acme")


def test_extractive_job_fit_lists_the_similar_roles_a_search_found_but_not_the_job_itself():
    search = [{"title": JOB["title"], "company": JOB["company"], "location": "Remote"},
              {"title": "Data Engineer", "company": "Stackgate", "location": "Lyon"}]
    results = (SkillResult(skill="job_view", params={}, status="done", data=JOB, latency_ms=1),
               SkillResult(skill="job_search", params={}, status="done", data=search, latency_ms=1))
    text = compose_answer(Grounding("job_assessment", "find similar jobs", "job", "j1", None, results))
    assert text.endswith("Other open roles that match your question:\n- Data Engineer at Stackgate (Lyon)")


def test_extractive_post_takeaways_add_what_articles_say_when_asked():
    post = {"author": "Ana", "topic": "career", "text": "Ask for the scope you want before you ask for the title.",
            "comments": []}
    article = {"title": "Scope first (Career Journal, edition 2)", "source": "Career Journal",
               "snippet": "We spoke with recruiters. Scope grows careers faster than titles do."}
    results = (SkillResult(skill="post_view", params={}, status="done", data=post, latency_ms=1),
               SkillResult(skill="web_search", params={}, status="done", data=[article], latency_ms=1))
    text = compose_answer(Grounding("post_takeaways", "What do articles say about career scope?", "post", "p1",
                                    None, results))
    assert text.endswith("Articles on this:\n- Scope first (Career Journal, edition 2): Scope grows careers faster "
                         "than titles do.")


def test_extractive_post_takeaways_are_the_lessons_not_the_authors_asides():
    """'Something I keep coming back to this week.' and 'I see this every week in my work' were two of three."""
    post = {"author": "Noah", "topic": "education", "comments": [],
            "text": "After 15 years in education, a few lessons. Something I keep coming back to this week. "
                    "Students finish courses when they have a cohort, "
                    "not just content. I see this every week in my work as a Junior Teacher. At Acme we learned "
                    "this the hard way. Adaptive practice helped our learners close gaps twice as fast this year. "
                    "What would you add?"}
    results = (SkillResult(skill="post_view", params={}, status="done", data=post, latency_ms=1),)
    text = compose_answer(Grounding("post_takeaways", "Summarize this post", "post", "p1", None, results))
    assert text.split("\n\n")[1].splitlines() == [
        "- Students finish courses when they have a cohort, not just content.",
        "- Adaptive practice helped our learners close gaps twice as fast this year."]
    post["text"] = "I see this every week in my work as a teacher. Students finish when they have a cohort."
    text = compose_answer(Grounding("post_takeaways", "Summarize this post", "post", "p1", None, results))
    assert len(text.split("\n\n")[1].splitlines()) == 2  # one lesson: an aside makes up two


def test_extractive_post_takeaways_show_every_comment_when_asked_about_them():
    post = {"author": "Ana", "topic": "career", "text": "Ask for the scope you want before you ask for the title.",
            "comments": ["Great insight!", "I disagree: titles open doors.", "Great insight!"]}
    results = (SkillResult(skill="post_view", params={}, status="done", data=post, latency_ms=1),)
    asked = compose_answer(Grounding("post_takeaways", "What do the comments disagree about?", "post", "p1", None,
                                     results))
    assert asked.endswith('What the 3 comments say:\n- "Great insight!" (2 people)\n- "I disagree: titles open doors."')
    gist = compose_answer(Grounding("post_takeaways", "Give me the gist", "post", "p1", None, results))
    assert gist.endswith('3 comments, for example: "Great insight!"')
    post["comments"] = []
    none = compose_answer(Grounding("post_takeaways", "What do the comments disagree about?", "post", "p1", None,
                                    results))
    assert none.endswith("No one has commented on it yet.")  # it answered with the takeaways alone


_PROGRAM_MANAGER = {"headline": "Junior Program Manager at Brightbridge", "titles": ["Junior Program Manager"],
                    "skills": ["Budgeting", "Stakeholder Management"]}


def _career_answer(query: str, profile: dict, jobs: list[dict]) -> str:
    results = (SkillResult(skill="profile_view", params={}, status="done", data=profile, latency_ms=1),
               SkillResult(skill="job_search", params={}, status="done", data=jobs, latency_ms=1))
    return compose_answer(Grounding("career_advice", query, "none", None, "m1", results))


def test_extractive_career_advice_calls_a_fit_only_what_shares_the_members_work():
    jobs = [{"title": "Senior Data Engineer", "company": "Stackgate", "location": "Remote"},
            {"title": "Senior Program Manager", "company": "Acme", "location": "Lyon"}]
    text = _career_answer("how do I grow into a senior role?", _PROGRAM_MANAGER, jobs)
    assert text.startswith("Your profile: Junior Program Manager at Brightbridge, with skills in Budgeting")
    fit, other = text.split("that fit your profile and this direction:\n")[1].split("\n\n")
    assert fit == "- Senior Program Manager at Acme (Lyon)"  # "Senior" alone is no fit
    assert other == "Open roles in the network that match your question:\n- Senior Data Engineer at Stackgate (Remote)"
    engineer = {"headline": "Data Engineer at Stackgate", "titles": ["Data Engineer"], "skills": ["dbt"]}
    electrical = [{"title": "Electrical Engineer", "company": "Gridco", "location": "Lyon"}]
    text = _career_answer("what next?", engineer, electrical)
    assert "fit your profile" not in text  # "Engineer" alone is no fit either


def test_extractive_career_advice_on_a_move_leaves_out_the_members_own_job_elsewhere():
    """'How can I move into management?' from a Junior Program Manager listed Junior Program Manager roles."""
    jobs = [{"title": "Junior Program Manager", "company": "Acme", "location": "Lyon"},
            {"title": "Associate Program Manager", "company": "Scholarpeak", "location": "Denver, CO"}]

    def roles(query: str) -> str:
        text = _career_answer(query, _PROGRAM_MANAGER, jobs)
        return text.split("that fit your profile and this direction:\n")[1].split("\n\n")[0]

    assert roles("How can I move into management?") == "- Associate Program Manager at Scholarpeak (Denver, CO)"
    assert roles("What should my next career move be?") == "- Associate Program Manager at Scholarpeak (Denver, CO)"
    # asked for jobs like theirs, the same title elsewhere is the answer
    assert roles("Can you suggest jobs that match my profile?").startswith("- Junior Program Manager at Acme")


def test_extractive_career_advice_with_nothing_on_the_question_says_so():
    """'How do I rebuild my confidence affter being fired?' was answered with the member's profile line alone."""
    text = _career_answer("How do I rebuild my confidence affter being fired?", _PROGRAM_MANAGER, [])
    assert text.startswith("Your profile: Junior Program Manager")
    assert text.endswith("I found no guide or opening in the network on that question. Tell me the role, field or "
                         "level you have in mind, and I can look for openings and reading on it.")


def test_extractive_takeaways_asked_on_no_post_say_where_to_ask():
    """'main idea of this post?' asked on no page was told the post could not be read right now."""
    nowhere = compose_answer(Grounding("post_takeaways", "main idea of this post?", "none", None, None, ()))
    assert nowhere.startswith("There is no post beside this question.")
    failed = SkillResult(skill="post_view", params={"post_id": "p1"}, status="failed", error="timeout", latency_ms=1)
    beside = compose_answer(Grounding("post_takeaways", "main idea of this post?", "post", "p1", None, (failed,)))
    assert "temporarily unavailable" in beside and "try again" in beside


def test_extractive_company_asked_about_on_no_page_says_where_to_ask():
    """'what's the headquarters and size of this company' on no page was told the company could not be found."""
    failed = SkillResult(skill="company_lookup", params={"company_name": "q"}, status="failed", error="not found",
                         failure="not_found", latency_ms=1)
    query = "what's the headquarters and size of this company"
    nowhere = compose_answer(Grounding("company_understanding", query, "none", None, None, (failed,)))
    assert nowhere.startswith("There is no company beside this question.")
    named = compose_answer(Grounding("company_understanding", "What does Zzyzx Corp do?", "none", None, None,
                                     (failed,)))
    assert named == "I could not find that company in the network."


def test_extractive_quotes_the_whole_sentences_that_answer_the_question():
    """It quoted a snippet's framing line and its last sentence, which the snippet's length cut mid-word."""
    snippet = ("Recruiters in Toronto, Canada shared what they see most often. Employers look for solid software "
               "engineering and deployment experience. MLOps and monitoring experience increasingly separate "
               "strong candidates from those who only…")
    article = {"title": "Skills for ML roles", "source": "Career Journal", "snippet": snippet}
    search = (SkillResult(skill="web_search", params={}, status="done", data=[article], latency_ms=1),)
    general = compose_answer(Grounding("general_knowledge", "What is MLOps?", "none", None, None, search))
    assert general.split("\n\n")[0] == ("MLOps and monitoring experience increasingly separate strong candidates "
                                         "from those who only…")  # the others share nothing with the question
    article["snippet"] = ("Recruiters in Berlin shared what they see most often. Start with warm connections, offer "
                          "help before asking for it, and follow up with something specific.")
    networking = compose_answer(Grounding("career_advice", "How do I ask for a promotion?", "none", None, None,
                                          search))
    assert "Worth reading" not in networking  # a piece on another subject is no reading for this question
    article["title"] = "Networking for introverts"
    warm = compose_answer(Grounding("career_advice", "How do I build my network?", "none", None, None, search))
    assert warm.endswith(": Start with warm connections, offer help before asking for it, and follow up with "
                         "something specific.")  # no word of the question in any sentence: the one that says most
    article["title"] = "Salary bands"
    article["snippet"] = "Negotiate the whole offer. Ask for the band first. Never accept on the spot because the re"
    career = compose_answer(Grounding("career_advice", "how do I ask for the salary band?", "none", None, None,
                                      search))
    assert career.endswith("- Salary bands: Ask for the band first.")


def test_extractive_goes_on_with_the_point_and_leaves_out_framing_and_cut_sentences():
    """It quoted the framing line beside the answer (it shared the title's words), and a cut fragment."""
    article = {"title": "Writing a cover letter a hiring manager will read", "source": "Workplace Weekly",
               "snippet": "We spoke with hiring managers at Northwind Goods, a retail company in Warsaw. A cover "
                          "letter says why this role and this company. Open with what you would bring. A planned…"}
    search = (SkillResult(skill="web_search", params={}, status="done", data=[article], latency_ms=1),)
    general = compose_answer(Grounding("general_knowledge", "How do I write a good cover letter?", results=search))
    assert general.split("\n\n")[0] == ("A cover letter says why this role and this company. Open with what you "
                                         "would bring.")
    article["snippet"] = ("Signs of burnout are exhaustion and cynicism. Talk to your manager and take the leave "
                          "you are owed. A planned career break, with…")
    career = compose_answer(Grounding("career_advice", "Should I take a career break?", results=search))
    assert career.endswith(": Talk to your manager and take the leave you are owed.")  # whole, on the question
    article["snippet"] = "Compare offers on total pay. Check the notice period, probation…"
    notice = compose_answer(Grounding("general_knowledge", "What is a notice period?", results=search))
    assert notice.startswith("Check the notice period, probation…")  # no whole sentence is on the question
    article.update(title="Giving and asking for feedback",
                   snippet="Give feedback soon after the event. A performance review…")
    review = compose_answer(Grounding("general_knowledge", "How do performance reviews work?", results=search))
    assert review.startswith("Give feedback soon after the event.")  # three words cut short say nothing


def test_extractive_leaves_out_a_piece_on_another_subject():
    """A search fills its limit with the nearest it has: a layoff guide answered what designers do all day."""
    layoff = {"title": "What to do in the first week after a layoff", "source": "Career Journal",
              "snippet": "Review your severance and benefits, and update your profile."}
    search = (SkillResult(skill="web_search", params={}, status="done", data=[layoff], latency_ms=1),)
    asked = compose_answer(Grounding("general_knowledge", "What do Instructional Designers do all day?",
                                     results=search))
    assert asked == "I could not find a source on that in the article corpus."
    typo = compose_answer(Grounding("general_knowledge", "what after a layof?", results=search))
    assert typo.startswith("Review your severance")  # a word's first five letters match past a typo
    remote = {"title": "Thriving in a remote-first team", "source": "Career Journal",
              "snippet": "Write things down and protect focus time."}
    cover = {"title": "Writing a cover letter", "source": "The Professional",
             "snippet": "A cover letter says why this role and this company."}
    search = (SkillResult(skill="web_search", params={}, status="done", data=[cover, remote], latency_ms=1),)
    letter = compose_answer(Grounding("general_knowledge", "How do I write a cover letter?", results=search))
    assert "remote" not in letter  # one word of the question where the first piece shares its subject
    headline = {"title": "Writing a profile headline", "source": "The Professional",
                "snippet": "Your headline should name the role you want."}
    search = (SkillResult(skill="web_search", params={}, status="done", data=[layoff, headline], latency_ms=1),)
    review = compose_answer(Grounding("career_advice", "Review my profile", results=search))
    assert "Writing a profile headline" in review  # a word in the title counts twice


def test_extractive_cites_each_piece_once_and_names_its_source_once():
    articles = [{"title": "Negotiating an offer (The Professional, edition 13)", "source": "The Professional",
                 "snippet": "Anchor with data."},
                {"title": "Negotiating an offer (Industry Pulse, edition 2)", "source": "Industry Pulse",
                 "snippet": "Anchor with data, again."},  # the same piece, syndicated
                {"title": "Salary bands explained", "source": "Career Journal", "snippet": "Ask for the band."}]
    results = (SkillResult(skill="web_search", params={}, status="done", data=articles, latency_ms=1),)
    text = compose_answer(Grounding("general_knowledge", "how do I negotiate my salary band?", results=results))
    assert [line for line in text.split("Source:\n")[1].splitlines() if line.startswith("- ")] == [
        "- Negotiating an offer (The Professional, edition 13)", "- Salary bands explained (Career Journal)"]
    assert text.startswith("Anchor with data.\n\nSource:\n- Negotiating")  # the source is what it quotes


async def test_sim_timing_grows_with_concurrent_streams():
    import asyncio

    engine = SimEngine(SimConfig(ttft_ms=40, tbt_ms=5, tbt_growth_per_stream=0.5))
    request = GenerationRequest("r", "answer", "p", _grounding())
    started = time.perf_counter()
    _, events = await _collect(engine, request)
    alone = time.perf_counter() - started
    assert events[-1].ttft_ms == pytest.approx(40, abs=15)
    started = time.perf_counter()
    await asyncio.gather(*(_collect(engine, GenerationRequest(f"r{i}", "answer", "p", _grounding())) for i in range(8)))
    assert time.perf_counter() - started > 2 * alone  # TBT x (1 + 0.5 x 7)
    assert engine.active == 0


async def test_sim_injected_failure_raises_engine_error_mid_stream():
    engine = create_engine(EngineConfig(kind="sim", sim=SimConfig(ttft_ms=0, tbt_ms=0, error_rate=1)))
    deltas = []
    with pytest.raises(EngineError, match="injected failure"):
        async for event in engine.generate(GenerationRequest("r", "answer", "p", _grounding())):
            deltas.append(event)
    assert deltas  # some tokens came first, as with a real replica dying


async def test_sim_stall_stops_sending_tokens():
    import asyncio

    engine = create_engine(EngineConfig(kind="sim", sim=SimConfig(ttft_ms=0, tbt_ms=0, stall_rate=1, stall_s=5)))
    stream = engine.generate(GenerationRequest("r", "answer", "p", _grounding()))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            async for _ in stream:
                pass
    await stream.aclose()


@pytest.mark.parametrize("seed", range(12))
def test_injected_yaml_mistakes_are_still_readable(seed):
    import random

    broken = inject_yaml_mistakes(PLAN, random.Random(seed))
    assert broken != PLAN
    assert parse_yaml(broken, Plan) == parse_yaml(PLAN, Plan)


async def test_sim_scripted_outputs_in_turn():
    engine = create_engine(EngineConfig(kind="sim", sim=SimConfig(ttft_ms=0, tbt_ms=0, output="scripted",
                                                                  script=["one", "two"])))
    texts = [(await _collect(engine, GenerationRequest(f"r{i}", "answer", "p", _grounding())))[0] for i in range(3)]
    assert texts == ["one", "two", "one"]


def test_registry_registers_a_fake_and_refuses_unknown_names():
    class EchoEngine(Engine):
        name = "echo"
        model = "echo-1"

        async def generate(self, request):
            yield TextDelta(request.prompt)
            yield Finished(usage=None, ttft_ms=0, total_ms=0)

    register_engine("echo", lambda config: EchoEngine())
    try:
        assert isinstance(create_engine(EngineConfig(kind="echo")), EchoEngine)
        assert engine_model(EngineConfig(kind="echo")) == "echo-1"  # a plugin names its own model
        with pytest.raises(ValueError, match="already registered"):
            register_engine("echo", lambda config: EchoEngine())
    finally:
        unregister_engine("echo")
    assert "echo" not in engine_names()
    with pytest.raises(UnknownEngineError, match="unknown engine 'gpt9'; registered engines: extractive, openai"):
        create_engine(EngineConfig(kind="gpt9"))


def test_the_model_an_engine_config_names_without_loading_it():
    assert engine_model(EngineConfig(kind="extractive")) == ExtractiveEngine.model
    assert engine_model(EngineConfig(kind="sim")) == "sim-v1"
    assert engine_model(EngineConfig(kind="vllm", vllm=VLLMConfig(model="Qwen/Qwen2.5-7B-Instruct"))) == \
        "Qwen/Qwen2.5-7B-Instruct"  # read from its settings: building a vLLM engine would load the weights


def test_skill_call_schema_is_what_the_planner_writes():
    assert [c.skill for c in parse_yaml(PLAN, Plan).calls] == ["job_view", "profile_view"]
    assert SkillCall(skill="job_view", params={"job_id": "j1"}).params == {"job_id": "j1"}


def test_job_questions_without_a_job_list_the_search_results_to_pick_from():
    # the job_search skill's output (its response map renames the API's company_name and remote)
    found = [{"id": "j7", "title": "Data Engineer", "company": "Nimbuspoint IO", "location": "Remote",
              "workplace": "remote", "seniority": "mid"}]
    grounding = Grounding("job_assessment", "which jobs fit me?", "none", None, "m1",
                          (SkillResult(skill="job_search", params={"keywords": "data"}, status="done", data=found,
                                       latency_ms=1),
                           SkillResult(skill="profile_view", params={"member_id": "m1"}, status="done", data=PROFILE,
                                       latency_ms=1)), PLAN)
    answer = compose_answer(grounding)
    assert "**Data Engineer** at **Nimbuspoint IO** (mid, remote, Remote)" in answer
    assert PROFILE["headline"] in answer and "Open one of them and ask again" in answer
    nothing = Grounding("job_assessment", "which jobs fit me?", "none", None, None, (), PLAN)
    assert "could not find a job posting" in compose_answer(nothing)
