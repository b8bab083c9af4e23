import pytest

from components.agents import AGENTS, Turn, get_agent
from components.routing import AGENTS as ROUTER_AGENTS
from components.skills import SkillResult, default_registry


def test_the_five_agents_of_the_contract():
    assert set(AGENTS) == {"general_knowledge", "job_assessment", "post_takeaways", "company_understanding",
                           "career_advice"}
    assert set(ROUTER_AGENTS) == set(AGENTS) | {"out_of_scope"}
    with pytest.raises(KeyError, match="unknown agent 'hr_bot'"):
        get_agent("hr_bot")


def test_agents_only_use_registered_skills():
    registry = default_registry()
    for agent in AGENTS.values():
        assert set(agent.skills) <= set(registry.names()), agent.name


@pytest.mark.parametrize("agent, turn, expected", [
    ("job_assessment", Turn("fit?", "job", "j1", "m1"), [("job_view", {"job_id": "j1"}),
                                                        ("profile_view", {"member_id": "m1"})]),
    ("job_assessment", Turn("data jobs", "none"), [("job_search", {"keywords": "data jobs", "limit": 5})]),
    ("job_assessment", Turn("Which jobs match my profile?", "none", None, "m1"), [
        ("job_search", {"keywords": "Which jobs match my profile?", "for_member": "m1", "limit": 5}),
        ("profile_view", {"member_id": "m1"})]),
    ("post_takeaways", Turn("tldr", "post", "p9"), [("post_view", {"post_id": "p9"})]),
    ("company_understanding", Turn("news?", "company", "c1"), [("company_view", {"company_id": "c1"}),
                                                               ("news_search", {"company_id": "c1", "limit": 3})]),
    ("company_understanding", Turn("what does Acme do"), [("company_lookup", {"company_name": "what does Acme do"})]),
    # the follow-up chips' questions: a plan that ignored them answered another question
    ("company_understanding", Turn("Which jobs is Acme hiring for?", "company", "c1"), [
        ("company_view", {"company_id": "c1"}), ("news_search", {"company_id": "c1", "limit": 3}),
        ("job_search", {"company_id": "c1", "limit": 5})]),
    ("company_understanding", Turn("Who works at Acme?", "company", "c1"), [
        ("company_view", {"company_id": "c1"}), ("news_search", {"company_id": "c1", "limit": 3}),
        ("people_search", {"company_id": "c1", "limit": 5})]),
    ("job_assessment", Turn("Find similar Data Engineer jobs", "job", "j1", "m1"), [
        ("job_view", {"job_id": "j1"}), ("job_search", {"keywords": "Find similar Data Engineer jobs", "limit": 5}),
        ("profile_view", {"member_id": "m1"})]),
    ("job_assessment", Turn("Is this role a fit for me?", "job", "j1"), [("job_view", {"job_id": "j1"})]),
    ("job_assessment", Turn("Which jobs is Acme hiring for?", "job", "j1"), [
        ("job_view", {"job_id": "j1"}), ("job_search", {"keywords": "Which jobs is Acme hiring for?", "limit": 5})]),
    # beside a job or a profile the page names a company too: the calls about it follow (`then`, below)
    ("company_understanding", Turn("Who works at Acme?", "job", "j1"), [
        ("company_lookup", {"company_name": "Who works at Acme?"}), ("job_view", {"job_id": "j1"})]),
    ("company_understanding", Turn("Is this company hiring?", "profile", "m2"), [
        ("company_lookup", {"company_name": "Is this company hiring?"}), ("profile_view", {"member_id": "m2"})]),
    ("post_takeaways", Turn("What do articles say about career?", "post", "p9"), [
        ("post_view", {"post_id": "p9"}), ("web_search", {"query": "What do articles say about career?", "limit": 3})]),
    ("career_advice", Turn("next?", "profile", "m2"), [("profile_view", {"member_id": "m2"}),
                                                       ("job_search", {"keywords": "next?", "for_member": "m2",
                                                                       "limit": 6}),
                                                       ("web_search", {"query": "next?", "limit": 2})]),
    ("career_advice", Turn("How do I ask for a promotion?", "none", None, "m2"), [
        ("profile_view", {"member_id": "m2"}), ("web_search", {"query": "How do I ask for a promotion?", "limit": 2})]),
    ("career_advice", Turn("how should i plan my job search after a layoff", "none", None, None), [  # not a list
        ("job_search", {"keywords": "how should i plan my job search after a layoff", "limit": 6}),
        ("web_search", {"query": "how should i plan my job search after a layoff", "limit": 2})]),
    ("general_knowledge", Turn("cv tips"), [("web_search", {"query": "cv tips", "limit": 3})]),
])
def test_default_plans_use_the_page_context(agent, turn, expected):
    calls = get_agent(agent).default_plan(turn)
    assert [(c.skill, c.params) for c in calls] == expected
    registry = default_registry()
    for call in calls:
        registry.get(call.skill).input_model.model_validate(call.params)  # valid for the skill


def _done(skill: str, data: dict | None) -> SkillResult:
    return SkillResult(skill=skill, params={}, status="done" if data else "failed", latency_ms=1.0, data=data)


JOB = _done("job_view", {"id": "j1", "company_id": "c7", "title": "Data Engineer"})
PROFILE = _done("profile_view", {"id": "m2", "experience": [{"company_id": "c3", "end": "2023-01-01"},
                                                            {"company_id": "c5", "end": None}]})


@pytest.mark.parametrize("turn, results, expected", [
    # "this company" beside a job: the job's company ("Is this company a startup?" was looked up and not found)
    (Turn("Is this company a startup?", "job", "j1"), [JOB, _done("company_lookup", None)], [
        ("company_view", {"company_id": "c7"}), ("news_search", {"company_id": "c7", "limit": 3})]),
    # beside a profile: where the member works now
    (Turn("Is this company hiring?", "profile", "m2"), [PROFILE, _done("company_lookup", None)], [
        ("company_view", {"company_id": "c5"}), ("news_search", {"company_id": "c5", "limit": 3}),
        ("job_search", {"company_id": "c5", "limit": 5})]),
    # a question that names a company is about that one, whatever the page
    (Turn("Who works at Acme?", "job", "j1"), [JOB, _done("company_lookup", {"id": "c9", "name": "Acme"})], [
        ("company_view", {"company_id": "c9"}), ("news_search", {"company_id": "c9", "limit": 3}),
        ("people_search", {"company_id": "c9", "limit": 5})]),
    (Turn("Is this company a startup?", "job", "j1"), [_done("job_view", None), _done("company_lookup", None)], []),
    (Turn("news?", "company", "c1"), [_done("company_view", {"id": "c1"})], []),  # the page is the company
    (Turn("what does Acme do"), [_done("company_lookup", {"id": "c9"})], []),
])
def test_company_calls_that_need_the_pages_record_follow_it(turn, results, expected):
    calls = get_agent("company_understanding").then(turn, results)
    assert [(c.skill, c.params) for c in calls] == expected


@pytest.mark.parametrize("title, chip", [
    ("Data Engineer", "Which Senior Data Engineer roles are open?"),  # was "senior Engineer": the first word went
    ("Junior Program Manager", "Which Associate Program Manager roles are open?"),
    ("Senior Data Engineer", "Which Lead Data Engineer roles are open?"),
    ("Director of Data Engineering", "Which VP of Data Engineering roles are open?"),
    ("VP of Nursing", "Which VP of Nursing roles are open?"),  # the top rung
    ("Senior Store Operations Lead", "Which Director of Store Operations roles are open?"),  # was "lead Store..."
    ("Data Engineer Intern", "Which Junior Data Engineer roles are open?"),  # was "senior Data Engineer Intern"
    ("Principal Widget Wrangler", "Which Widget Wrangler roles are open?"),  # a title the network never made
])
def test_the_career_chip_asks_for_the_next_step_in_the_members_own_field(title, chip):
    from components.engines import Grounding
    from components.skills import SkillResult

    profile = SkillResult(skill="profile_view", params={}, status="done", data={"titles": [title]}, latency_ms=1)
    grounding = Grounding("career_advice", "what next?", results=(profile,))
    assert get_agent("career_advice").followups(Turn("what next?"), grounding)[0] == chip
    # and asked, it searches roles for the member without a reading list
    calls = get_agent("career_advice").default_plan(Turn(chip, "none", None, "m1"))
    assert [c.skill for c in calls] == ["profile_view", "job_search"]


def test_the_comments_chip_is_offered_only_beside_a_post_with_comments():
    from components.engines import Grounding
    from components.skills import SkillResult

    def chips(comments: list[str]) -> list[str]:
        post = {"topic": "career", "comments": comments}
        result = SkillResult(skill="post_view", params={}, status="done", data=post, latency_ms=1)
        return get_agent("post_takeaways").followups(Turn("tldr", "post", "p1"), Grounding("post_takeaways", "tldr",
                                                                                           results=(result,)))

    assert "What do the comments disagree about?" in chips(["Great insight!"])
    assert "What do the comments disagree about?" not in chips([])


@pytest.mark.parametrize("context", ["none", "post", "job", "company", "profile"])
def test_what_a_decline_or_an_answer_with_nothing_offers_is_in_scope_beside_any_page(context):
    """'Which jobs match my profile?', offered on a decline, was declined beside a post; 'Summarize the latest
    posts on this topic', offered on no post, led back to the same 'no post' answer."""
    from components.agents import ANYWHERE_FOLLOWUPS
    from components.engines import Grounding
    from components.routing import load_router

    router = load_router()
    for chip in ANYWHERE_FOLLOWUPS:
        assert router.route(chip, context).in_scope, (chip, context)
    for agent in ("job_assessment", "post_takeaways", "company_understanding"):  # their page could not be read
        assert get_agent(agent).followups(Turn("hi", context), Grounding(agent, "hi")) == list(ANYWHERE_FOLLOWUPS)


def test_one_list_of_names_serves_every_layer():
    """components.names is the one list: the catalog, the router, the HTTP protocol and the page records."""
    import typing

    from components.agents import PAGE_RECORDS
    from components.names import AGENT_NAMES, CONTEXT_TYPES, PAGE_TYPES, ROUTES
    from components.pipeline.events import ContextType
    from components.routing import devset, features

    assert tuple(AGENTS) == AGENT_NAMES and devset.AGENTS == ROUTES
    assert features.CONTEXTS == devset.CONTEXT_TYPES == typing.get_args(ContextType) == CONTEXT_TYPES
    assert set(PAGE_RECORDS) == set(PAGE_TYPES) and CONTEXT_TYPES == (*PAGE_TYPES, "none")


def test_an_unknown_agent_is_refused_with_the_names_there_are():
    from components.agents import UnknownAgentError, get_agent

    with pytest.raises(UnknownAgentError, match="unknown agent 'poet'; agents: general_knowledge, job_assessment"):
        get_agent("poet")
    with pytest.raises(KeyError):  # what callers before UnknownAgentError caught
        get_agent("poet")
