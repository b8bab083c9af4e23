import pytest
from pydantic import ValidationError

from components.skills import default_registry

REGISTRY = default_registry()


def test_input_model_coerces_and_applies_defaults():
    params = REGISTRY.get("job_search").input_model.model_validate({"keywords": "data", "limit": "3"})
    assert params.limit == 3 and params.seniority is None


@pytest.mark.parametrize("params", [{"seniority": "boss"}, {"limit": 99}, {"unknown": 1}])
def test_input_model_rejects_out_of_schema_values(params):
    with pytest.raises(ValidationError):
        REGISTRY.get("job_search").input_model.model_validate(params)


def test_required_parameter_is_required():
    with pytest.raises(ValidationError, match="job_id"):
        REGISTRY.get("job_view").input_model.model_validate({})


def test_request_mapping_renames_and_fills_path():
    spec = REGISTRY.get("job_search")
    path, query = spec.api_request(spec.input_model.model_validate({"keywords": "ml", "workplace": "remote"}))
    assert path == "/jobs/search" and query == {"q": "ml", "remote": "remote", "limit": 5}
    spec = REGISTRY.get("job_view")
    assert spec.api_request(spec.input_model.model_validate({"job_id": "j00001"})) == ("/jobs/j00001", {})


def test_response_mapping_reads_nested_and_list_paths():
    spec = REGISTRY.get("job_view")
    mapped = spec.map_response({"title": "T", "company_name": "C", "remote": "hybrid",
                                "salary": {"min": 1, "max": 2, "currency": "USD"}, "requirements": ["a"]})
    assert mapped["company"] == "C" and mapped["workplace"] == "hybrid"
    assert (mapped["salary_min"], mapped["salary_max"], mapped["salary_currency"]) == (1, 2, "USD")
    assert spec.map_response({"salary": None})["salary_min"] is None
    profile = REGISTRY.get("profile_view").map_response(
        {"experience": [{"title": "A", "company_name": "X"}, {"title": "B", "company_name": "Y"}]})
    assert profile["titles"] == ["A", "B"] and profile["companies"] == ["X", "Y"]


def test_every_skill_describes_itself_for_the_planner():
    for spec in REGISTRY:
        text = spec.describe()
        assert spec.name in text and spec.when_to_use in text
        assert all(name in text for name in spec.input)


def test_path_parameters_are_quoted_into_one_segment():
    spec = REGISTRY.get("job_view")
    assert spec.api_request(spec.input_model.model_validate({"job_id": "a/b?c=1"}))[0] == "/jobs/a%2Fb%3Fc%3D1"
