"""The sample internal APIs over real HTTP: every endpoint, its happy path and its errors."""

import pytest

pytestmark = pytest.mark.integration


def test_health_reports_the_loaded_network(api, network):
    body = api.get("/healthz").json()
    assert body == {"status": "ok", "members": len(network.members), "jobs": len(network.jobs),
                    "data": network.digest}


def test_people_search_filters_by_location_and_ranks_by_keywords(api):
    people = api.get("/people/search", params={"q": "python sql", "location": "Berlin", "limit": 5}).json()
    assert 1 <= len(people) <= 5
    assert all("Berlin" in p["location"] for p in people)
    assert set(people[0]) == {"id", "name", "headline", "location"}


def test_people_search_by_company_matches_current_employer(api, network):
    member = network.members["m00010"]
    people = api.get("/people/search", params={"company": member.experience[0].company_name}).json()
    assert people and all(network.members[p["id"]].experience[0].company_name == member.experience[0].company_name
                          for p in people)


def test_people_search_needs_a_criterion(api):
    response = api.get("/people/search")
    assert response.status_code == 422
    assert "at least one" in response.json()["detail"]


def test_profile_never_exposes_contact_details(api, network):
    profile = api.get("/profiles/m00001").json()
    assert profile["name"] == network.members["m00001"].name
    assert "email" not in profile and "phone" not in profile
    assert network.members["m00001"].email not in api.get("/profiles/m00001").text


def test_unknown_profile_is_404_naming_the_id(api):
    response = api.get("/profiles/m99999")
    assert response.status_code == 404
    assert "m99999" in response.json()["detail"]


def test_job_search_applies_enum_filters(api):
    jobs = api.get("/jobs/search", params={"q": "engineer", "remote": "remote", "seniority": "senior"}).json()
    assert jobs and all(j["remote"] == "remote" and j["seniority"] == "senior" for j in jobs)


@pytest.mark.parametrize("params", [{"seniority": "boss"}, {"remote": "sometimes"}, {"limit": 0},
                                    {"limit": 51}, {"limit": "many"}])
def test_job_search_rejects_bad_parameters(api, params):
    response = api.get("/jobs/search", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == next(iter(params))


def test_job_view_and_404(api, network):
    job = api.get("/jobs/j00001").json()
    assert job["title"] == network.jobs["j00001"].title
    assert job["requirements"] == network.jobs["j00001"].requirements
    assert api.get("/jobs/j99999").status_code == 404


def test_company_lookup_by_name_is_case_insensitive(api, network):
    company = network.companies["c0001"]
    assert api.get("/companies/lookup", params={"name": company.name.upper()}).json()["id"] == "c0001"


def test_company_lookup_errors(api):
    assert api.get("/companies/lookup", params={"name": "zzzz qqqq"}).status_code == 404
    assert api.get("/companies/lookup").status_code == 422
    assert api.get("/companies/lookup", params={"name": ""}).status_code == 422


def test_company_view_and_404(api, network):
    assert api.get("/companies/c0002").json()["name"] == network.companies["c0002"].name
    assert api.get("/companies/c9999").status_code == 404


def test_post_view_and_404(api, network):
    post = api.get("/posts/p00001").json()
    assert post["text"] == network.posts["p00001"].text
    assert api.get("/posts/p99999").status_code == 404


@pytest.mark.parametrize("mode", ["hybrid", "vector", "fulltext"])
def test_article_search_finds_the_topic(api, mode):
    hits = api.get("/articles/search", params={"q": "negotiate a job offer salary", "mode": mode, "limit": 3}).json()
    assert len(hits) == 3
    assert any("Negotiating" in h["title"] for h in hits)


def test_article_search_weighs_words_by_rarity_and_still_finds_a_misspelling(api):
    """The default: "What is MLOps?" found the layoff guide by its "What" when vectors alone answered."""
    def titles(q: str) -> list[str]:
        return [h["title"] for h in api.get("/articles/search", params={"q": q, "limit": 3}).json()]

    assert titles("What is MLOps?")[0].startswith("Skills that matter for machine learning")
    assert titles("zzqx")  # no keyword at all: the nearest vectors still answer
    assert any(t.startswith("Skills that matter for machine learning") for t in titles("machine lerning skils"))


def test_article_search_lists_a_piece_once_whoever_ran_it(api, network):
    """A search for two hits returned two editions of one piece, and the answer cited one."""
    hits = api.get("/articles/search", params={"q": "How can I move into management?", "limit": 3}).json()
    assert len(hits) == 3 and len({network.articles[h["id"]].topic for h in hits}) == 3
    assert any(h["title"].startswith("Manager or individual contributor") for h in hits)


def test_article_snippets_end_at_a_word(api, network):
    for hit in api.get("/articles/search", params={"q": "machine learning skills", "limit": 8}).json():
        text = network.articles[hit["id"]].text
        assert len(hit["snippet"]) <= 281
        if hit["snippet"] != text:
            kept = hit["snippet"].removesuffix("…")
            assert hit["snippet"].endswith("…") and text.startswith(kept) and text[len(kept)] in " ,;:"


def test_job_and_people_search_by_company_id(api, network):
    company = next(iter(network.companies.values()))
    jobs = api.get("/jobs/search", params={"company_id": company.id, "limit": 50}).json()
    assert jobs and len(jobs) == sum(j.company_id == company.id for j in network.jobs.values())
    assert {j["company_name"] for j in jobs} == {company.name}
    people = api.get("/people/search", params={"company_id": company.id, "limit": 50}).json()
    assert len(people) == sum(m.experience[0].company_id == company.id for m in network.members.values())
    assert api.get("/jobs/search", params={"company_id": "c9999"}).json() == []


def test_job_search_for_a_member_ranks_what_fits_their_role_first(api, network):
    """'Which jobs match my profile?' shares no word with any posting: the member's role and skills rank them."""
    member = network.members["m00042"]
    role = " ".join(w for w in member.experience[0].title.split() if w not in ("Senior", "Junior", "Lead"))
    hits = api.get("/jobs/search", params={"q": "Which jobs match my profile?", "for_member": member.id,
                                           "limit": 5}).json()
    assert len(hits) == 5 and all(role in h["title"] for h in hits[:3])
    assert hits[0]["seniority"] == "senior"  # then the level nearest theirs: not the intern posting
    assert api.get("/jobs/search", params={"q": "Which jobs match my profile?"}).json() == []
    assert api.get("/jobs/search", params={"for_member": "m99999"}).status_code == 404


@pytest.mark.parametrize("member_id, title, role, levels", [
    # a Data Engineer got Electrical Engineers, whose postings ask for Project Management
    ("m00021", "Data Engineer", "Data Engineer", {"mid", "senior"}),
    # a Junior Program Manager got only Junior Program Managers
    ("m00001", "Junior Program Manager", "Program Manager", {"entry", "associate"}),
])
def test_job_search_for_a_member_ranks_their_role_at_their_level_and_the_next_one_up(api, network, member_id, title,
                                                                                       role, levels):
    """"How can I move into management?": the member's role above a word of the question in a posting."""
    assert network.members[member_id].experience[0].title == title
    hits = api.get("/jobs/search", params={"q": "How can I move into management?", "for_member": member_id,
                                           "limit": 6}).json()
    assert len(hits) == 6 and all(role in h["title"] for h in hits)
    assert {h["seniority"] for h in hits} == levels  # theirs and the one above take turns


def test_article_search_errors(api):
    assert api.get("/articles/search").status_code == 422
    assert api.get("/articles/search", params={"q": "x", "mode": "psychic"}).status_code == 422


def test_news_for_a_company_is_newest_first(api, network):
    items = api.get("/news", params={"company_id": "c0001"}).json()
    assert [i["id"] for i in items] == [n.id for n in network.companies["c0001"].news]
    assert [i["date"] for i in items] == sorted((i["date"] for i in items), reverse=True)
    assert api.get("/news", params={"company_id": "c9999"}).status_code == 404


def test_news_keyword_filter(api):
    items = api.get("/news", params={"q": "raises", "limit": 5}).json()
    assert items and all("raises" in i["headline"].lower() for i in items)


def test_openapi_schema_lists_every_endpoint(api):
    paths = set(api.get("/openapi.json").json()["paths"])
    assert {"/people/search", "/profiles/{member_id}", "/jobs/search", "/jobs/{job_id}", "/companies/lookup",
            "/companies/{company_id}", "/posts/{post_id}", "/articles/search", "/news", "/healthz"} <= paths
