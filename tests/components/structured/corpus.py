"""A corpus of what LLMs really emit, written by hand: malformed outputs by class, valid controls, and
outputs that must be refused. Every case states the exact value it must parse to (or the field a
refusal must name), so a repair that guesses wrong fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tests.components.structured.schemas import Assessment, Company, Intent, JobFilter, Plan, Release, Settings


@dataclass(frozen=True)
class Refuse:
    field: str | None  # the field the ParseError must name; None for empty/refusal


@dataclass(frozen=True)
class Case:
    kind: str
    schema: type[BaseModel]
    text: str
    expected: dict[str, Any] | Refuse

    @property
    def id(self) -> str:
        return self.kind


def _plan(*calls: tuple[str, dict]) -> dict:
    return {"calls": [{"skill": s, "params": p} for s, p in calls]}


ONE = _plan(("job_view", {"job_id": "j00042"}))
TWO = _plan(("job_view", {"job_id": "j00042"}), ("profile_view", {"member_id": "m00007"}))
PLAN_YAML = """calls:
  - skill: job_view
    params:
      job_id: j00042
  - skill: profile_view
    params:
      member_id: m00007
"""
ASSESS = {"fit_score": 4, "verdict": "strong_fit", "matched": ["Python", "SQL"], "missing": ["Spark"],
          "next_steps": ["Apply this week"], "summary": "A strong match on the core skills."}
ASSESS_YAML = """fit_score: 4
verdict: strong_fit
matched:
  - Python
  - SQL
missing:
  - Spark
next_steps:
  - Apply this week
summary: A strong match on the core skills.
"""

CASES: list[Case] = [
    # --- valid controls: must parse to exactly safe_load + pydantic, with no repairs -------------------
    Case("valid/plan", Plan, PLAN_YAML, TWO),
    Case("valid/plan_flow", Plan, "calls: [{skill: job_view, params: {job_id: j00042}}]\n", ONE),
    Case("valid/assessment", Assessment, ASSESS_YAML, ASSESS),
    Case("valid/json", Plan, '{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]}', ONE),
    Case("valid/filter", JobFilter, "keywords: [python, sql]\nmin_salary: 120000\nremote: true\n",
         {"keywords": ["python", "sql"], "min_salary": 120000, "max_salary": None, "remote": True,
          "seniority": None, "locations": []}),
    Case("valid/settings_quoted", Settings, "version: '1.10'\ncommit: '0e9e39f'\nanswer: 'NO'\n",
         {"version": "1.10", "commit": "0e9e39f", "answer": "NO", "enabled": False, "ratio": None}),
    Case("valid/intent", Intent, "intent: job_search\nconfidence: 0.8\n", {"intent": "job_search", "confidence": 0.8}),
    Case("valid/company", Company, "name: Acme\nheadquarters:\n  city: Lisbon\n  country: Portugal\nemployees: 120\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": 120}),
    Case("valid/block_scalar", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: |\n  A strong match\n  on the core skills."),
        {**ASSESS, "summary": "A strong match\non the core skills.\n"}),
    Case("valid/empty_params", Plan, "calls:\n  - skill: news_search\n    params: {}\n", _plan(("news_search", {}))),
    Case("valid/comment", Plan, "# plan\ncalls:\n  - skill: job_view  # the job\n    params: {job_id: j00042}\n", ONE),

    # --- wrapping ---------------------------------------------------------------------------------
    Case("wrap/fence_yaml", Plan, f"```yaml\n{PLAN_YAML}```", TWO),
    Case("wrap/fence_plain", Plan, f"```\n{PLAN_YAML}```\n", TWO),
    Case("wrap/fence_yml_tilde", Plan, f"~~~yml\n{PLAN_YAML}~~~\n", TWO),
    Case("wrap/fence_json", Plan, '```json\n{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]}\n```', ONE),
    Case("wrap/prose_before", Plan, f"Sure! Here's the plan you asked for:\n\n{PLAN_YAML}", TWO),
    Case("wrap/prose_after", Plan, f"{PLAN_YAML}\nThis plan first reads the job, then the profile.\n", TWO),
    Case("wrap/prose_both_fenced", Plan, f"I will call two skills.\n```yaml\n{PLAN_YAML}```\nHope that helps!", TWO),
    Case("wrap/prose_json", Plan, 'Plan: {"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]} done.', ONE),
    Case("wrap/wrapper_key", Plan, "plan:\n" + "".join(f"  {line}\n" for line in PLAN_YAML.splitlines()), TWO),
    Case("wrap/wrapper_key_json", Plan, '{"response": {"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]}}',
         ONE),
    Case("wrap/wrapper_assessment", Assessment, "assessment:\n" + "".join(
        f"  {line}\n" for line in ASSESS_YAML.splitlines()), ASSESS),
    Case("wrap/repeated_fences", Plan, f"```yaml\n{PLAN_YAML}```\n\n```yaml\n{PLAN_YAML}```\n", TWO),
    Case("wrap/repeated_bare", Plan, PLAN_YAML + PLAN_YAML, TWO),
    Case("wrap/repeated_assessment", Assessment, ASSESS_YAML + "\n" + ASSESS_YAML, ASSESS),
    Case("wrap/document_markers", Plan, f"---\n{PLAN_YAML}...\n", TWO),
    Case("wrap/document_start_only", Assessment, f"---\n{ASSESS_YAML}", ASSESS),
    Case("wrap/markers_in_fence", Plan, f"```yaml\n---\n{PLAN_YAML}---\n```", TWO),

    # --- characters ---------------------------------------------------------------------------------
    Case("chars/tabs_indent", Plan, PLAN_YAML.replace("    ", "\t\t").replace("  -", "\t-"), TWO),
    Case("chars/tab_after_colon", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score:\t4"), ASSESS),
    Case("chars/tabs_mixed", Company, "name: Acme\nheadquarters:\n\tcity: Lisbon\n\tcountry: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("chars/crlf", Plan, PLAN_YAML.replace("\n", "\r\n"), TWO),
    Case("chars/crlf_fenced", Assessment, f"```yaml\r\n{ASSESS_YAML}```".replace("\n", "\r\n"), ASSESS),
    Case("chars/cr_only", Intent, "intent: job_search\rconfidence: 0.8\r", {"intent": "job_search", "confidence": 0.8}),
    Case("chars/bom", Plan, "\ufeff" + PLAN_YAML, TWO),
    Case("chars/bom_json", Plan, '\ufeff{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]}', ONE),
    Case("chars/bom_fence", Assessment, f"\ufeff```yaml\n{ASSESS_YAML}```", ASSESS),
    Case("chars/nbsp_indent", Plan, PLAN_YAML.replace("    params", "\u00a0\u00a0\u00a0\u00a0params"), TWO),
    Case("chars/nbsp_value", Intent, "intent:\u00a0job_search\nconfidence:\u00a00.8\n",
         {"intent": "job_search", "confidence": 0.8}),
    Case("chars/narrow_nbsp", Settings, "version:\u202f2.1\n",
         {"version": "2.1", "commit": "", "answer": "", "enabled": False, "ratio": None}),
    Case("chars/zero_width_key", Plan, PLAN_YAML.replace("calls:", "cal\u200bls:"), TWO),
    Case("chars/zero_width_value", Plan, PLAN_YAML.replace("j00042", "j000\u200d42"), TWO),
    Case("chars/word_joiner", Intent, "in\u2060tent: job_search\nconfidence: 0.8\n", {"intent": "job_search", "confidence": 0.8}),
    Case("chars/smart_double", Plan, "calls:\n  - skill: \u201cjob_view\u201d\n    params:\n      job_id: \u201cj00042\u201d\n", ONE),
    Case("chars/smart_single", Settings, "version: \u20181.10\u2019\nanswer: \u2018NO\u2019\n",
         {"version": "1.10", "commit": "", "answer": "NO", "enabled": False, "ratio": None}),
    Case("chars/smart_json", Plan, "{\u201ccalls\u201d: [{\u201cskill\u201d: \u201cjob_view\u201d, \u201cparams\u201d: "
         "{\u201cjob_id\u201d: \u201cj00042\u201d}}]}", ONE),

    # --- syntax -------------------------------------------------------------------------------------
    Case("syntax/no_space_after_colon", Plan, PLAN_YAML.replace("job_id: ", "job_id:"), TWO),
    Case("syntax/no_space_keys", Intent, "intent:job_search\nconfidence:0.8\n", {"intent": "job_search", "confidence": 0.8}),
    Case("syntax/no_space_item", Plan, "calls:\n  - skill:job_view\n    params:\n      job_id:j00042\n", ONE),
    Case("syntax/colon_in_value", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: Verdict: a strong match on the core skills."),
        {**ASSESS, "summary": "Verdict: a strong match on the core skills."}),
    Case("syntax/colon_in_param", Plan, "calls:\n  - skill: web_search\n    params:\n      query: resume tips: how to start\n",
         _plan(("web_search", {"query": "resume tips: how to start"}))),
    Case("syntax/colon_in_list_value", Assessment, ASSESS_YAML.replace("  - Apply this week", "  - Apply: this week"),
         {**ASSESS, "next_steps": ["Apply: this week"]}),
    Case("syntax/at_value", Plan, "calls:\n  - skill: people_search\n    params:\n      keywords: @recruiter python\n",
         _plan(("people_search", {"keywords": "@recruiter python"}))),
    Case("syntax/backtick_value", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: `python` and `sql` match"),
        {**ASSESS, "summary": "`python` and `sql` match"}),
    Case("syntax/star_value", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: *very* strong match"),
        {**ASSESS, "summary": "*very* strong match"}),
    Case("syntax/percent_value", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: %80 of requirements met"),
        {**ASSESS, "summary": "%80 of requirements met"}),
    Case("syntax/brace_value", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: {strong} match, see notes"),
        {**ASSESS, "summary": "{strong} match, see notes"}),
    Case("syntax/unbalanced_double", Plan, "calls:\n  - skill: web_search\n    params:\n      query: \"salary negotiation\n",
         _plan(("web_search", {"query": "salary negotiation"}))),
    Case("syntax/unbalanced_single", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: 'A strong match on the core skills."), ASSESS),
    Case("syntax/unbalanced_trailing", Intent, "intent: job_search\"\nconfidence: 0.8\n",
         {"intent": "job_search", "confidence": 0.8}),
    Case("syntax/indent_over", Plan, PLAN_YAML.replace("    params:\n      job_id", "     params:\n       job_id"), TWO),
    Case("syntax/indent_under", Plan, PLAN_YAML.replace("    params:\n      member_id", "   params:\n      member_id"), TWO),
    Case("syntax/indent_mixed_levels", Company, "name: Acme\nheadquarters:\n    city: Lisbon\n  country: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("syntax/indent_top_level_drift", Assessment, ASSESS_YAML.replace("verdict:", " verdict:"), ASSESS),
    Case("syntax/multiline_plain", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: A strong match\non the core skills."), ASSESS),
    Case("syntax/multiline_plain_param", Plan,
         "calls:\n  - skill: web_search\n    params:\n      query: how to negotiate\n      a salary offer\n",
         _plan(("web_search", {"query": "how to negotiate a salary offer"}))),
    Case("syntax/multiline_three", Assessment, ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: A strong\nmatch on the\ncore skills."), ASSESS),
    Case("syntax/wrong_depth_param", Plan, "calls:\n  - skill: job_view\n    job_id: j00042\n", ONE),
    Case("syntax/wrong_depth_city", Company, "name: Acme\ncity: Lisbon\ncountry: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("syntax/wrong_depth_two_params", Plan, "calls:\n  - skill: people_search\n    keywords: python\n    location: Berlin\n",
         _plan(("people_search", {"keywords": "python", "location": "Berlin"}))),
    Case("syntax/missing_dash", Plan, PLAN_YAML.replace("  - skill: profile_view", "  skill: profile_view"), TWO),
    Case("syntax/missing_dash_three", Plan, PLAN_YAML + "  skill: web_search\n    params:\n      query: resumes\n",
         {"calls": TWO["calls"] + [{"skill": "web_search", "params": {"query": "resumes"}}]}),
    Case("syntax/missing_dash_compact", Plan,
         "calls:\n- skill: job_view\n  params: {job_id: j00042}\nskill: profile_view\n  params: {member_id: m00007}\n", TWO),
    Case("syntax/markdown_star", Assessment, ASSESS_YAML.replace("  - ", "  * "), ASSESS),
    Case("syntax/markdown_bullet_dot", Assessment, ASSESS_YAML.replace("  - ", "  • "), ASSESS),
    Case("syntax/markdown_plus", Plan, PLAN_YAML.replace("  - ", "  + "), TWO),
    Case("syntax/numbered_dot", Plan, PLAN_YAML.replace("  - skill: job", "  1. skill: job").replace(
        "  - skill: profile", "  2. skill: profile"), TWO),
    Case("syntax/numbered_paren", Assessment, ASSESS_YAML.replace("  - Python", "  1) Python").replace(
        "  - SQL", "  2) SQL"), ASSESS),
    Case("syntax/numbered_steps", Assessment, ASSESS_YAML.replace("  - Apply this week", "  1. Apply this week"), ASSESS),
    Case("syntax/bold_keys", Assessment, ASSESS_YAML.replace("verdict:", "**verdict**:").replace("summary:", "**summary**:"),
         ASSESS),
    Case("syntax/bold_keys_colon_inside", Intent, "**intent:** job_search\n**confidence:** 0.8\n",
         {"intent": "job_search", "confidence": 0.8}),
    Case("syntax/bold_bullet_keys", Plan, "calls:\n  - **skill**: job_view\n    **params**:\n      job_id: j00042\n", ONE),

    # --- JSON instead of YAML ------------------------------------------------------------------------
    Case("json/trailing_commas", Plan, '{"calls": [{"skill": "job_view", "params": {"job_id": "j00042",},},],}', ONE),
    Case("json/trailing_list_comma", Assessment,
         '{"fit_score": 4, "verdict": "strong_fit", "matched": ["Python", "SQL",], "missing": ["Spark"], '
         '"next_steps": ["Apply this week"], "summary": "A strong match on the core skills.",}', ASSESS),
    Case("json/trailing_comma_nested", Company,
         '{"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal",}, "employees": 120,}',
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": 120}),
    Case("json/single_quotes", Plan, "{'calls': [{'skill': 'job_view', 'params': {'job_id': 'j00042'}}]}", ONE),
    Case("json/single_quotes_apostrophe", Assessment,
         "{'fit_score': 4, 'verdict': 'strong_fit', 'matched': ['Python', 'SQL'], 'missing': ['Spark'], "
         "'next_steps': ['Apply this week'], 'summary': 'A strong match on the core skills.'}", ASSESS),
    Case("json/mixed_quotes", Intent, "{'intent': \"job_search\", \"confidence\": 0.8}",
         {"intent": "job_search", "confidence": 0.8}),
    Case("json/line_comments", Plan, '{\n  // read the job first\n  "calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}]\n}',
         ONE),
    Case("json/block_comment", Intent, '{"intent": "job_search", /* high */ "confidence": 0.8}',
         {"intent": "job_search", "confidence": 0.8}),
    Case("json/hash_comment", Company, '{\n "name": "Acme", # the company\n "headquarters": {"city": "Lisbon", '
         '"country": "Portugal"}\n}', {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"},
                                       "employees": None}),
    Case("json/python_true", JobFilter, "{'remote': True, 'min_salary': None, 'keywords': ['ml']}",
         {"keywords": ["ml"], "min_salary": None, "max_salary": None, "remote": True, "seniority": None, "locations": []}),
    Case("json/python_false", Settings, "{'version': '2', 'enabled': False}",
         {"version": "2", "commit": "", "answer": "", "enabled": False, "ratio": None}),
    Case("json/python_none_param", Plan, "{'calls': [{'skill': 'job_search', 'params': {'company': None}}]}",
         _plan(("job_search", {"company": None}))),
    Case("json/unquoted_keys", Plan, '{calls: [{skill: "job_view", params: {job_id: "j00042"}}]}', ONE),
    Case("json/unquoted_keys_values", Intent, "{intent: job_search, confidence: 0.8}", {"intent": "job_search", "confidence": 0.8}),
    Case("json/unquoted_nested", Company, '{name: "Acme", headquarters: {city: "Lisbon", country: "Portugal"}, employees: 120}',
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": 120}),
    Case("json/missing_closers", Plan, '{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}', ONE),
    Case("json/missing_final_brace", Intent, '{"intent": "job_search", "confidence": 0.8', {"intent": "job_search", "confidence": 0.8}),
    Case("json/missing_closers_nested", Company, '{"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"',
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("json/missing_commas", Intent, '{"intent": "job_search"\n "confidence": 0.8}', {"intent": "job_search", "confidence": 0.8}),
    Case("json/list_root_wrapper", Plan, '```json\n{"calls": [\n  {"skill": "job_view", "params": {"job_id": "j00042"}},\n'
         '  {"skill": "profile_view", "params": {"member_id": "m00007"}}\n]}\n```', TWO),

    # --- schema fit ---------------------------------------------------------------------------------
    Case("fit/camel_case", JobFilter, "minSalary: 120000\nmaxSalary: 150000\n",
         {"keywords": [], "min_salary": 120000, "max_salary": 150000, "remote": None, "seniority": None, "locations": []}),
    Case("fit/kebab_case", Assessment, ASSESS_YAML.replace("next_steps", "next-steps").replace("fit_score", "fit-score"), ASSESS),
    Case("fit/title_case_spaces", Assessment, ASSESS_YAML.replace("next_steps", "Next Steps").replace("verdict", "Verdict"),
         ASSESS),
    Case("fit/upper_case", Intent, "INTENT: job_search\nCONFIDENCE: 0.8\n", {"intent": "job_search", "confidence": 0.8}),
    Case("fit/pascal_case", Company, "Name: Acme\nHeadquarters:\n  City: Lisbon\n  Country: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("fit/synonym_parameters", Plan, "calls:\n  - skill: job_view\n    parameters:\n      job_id: j00042\n", ONE),
    Case("fit/synonym_tool_args", Plan, "calls:\n  - tool: job_view\n    args:\n      job_id: j00042\n", ONE),
    Case("fit/synonym_steps", Plan, "steps:\n  - skill: job_view\n    params:\n      job_id: j00042\n", ONE),
    Case("fit/synonym_action_items", Assessment, ASSESS_YAML.replace("next_steps", "action_items"), ASSESS),
    Case("fit/number_as_string", JobFilter, "min_salary: '120000'\n",
         {"keywords": [], "min_salary": 120000, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/float_as_string", Intent, "intent: job_search\nconfidence: \"0.8\"\n", {"intent": "job_search", "confidence": 0.8}),
    Case("fit/number_with_unit", Settings, "version: '3'\nratio: 0.5 per year\n",
         {"version": "3", "commit": "", "answer": "", "enabled": False, "ratio": 0.5}),
    Case("fit/fraction_score", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score: 4/5"), ASSESS),
    Case("fit/out_of_score", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score: 4 out of 5"), ASSESS),
    Case("fit/thousands_commas", JobFilter, "min_salary: 120,000\nmax_salary: \"150,000\"\n",
         {"keywords": [], "min_salary": 120000, "max_salary": 150000, "remote": None, "seniority": None, "locations": []}),
    Case("fit/thousands_currency", JobFilter, "min_salary: $120,000\n",
         {"keywords": [], "min_salary": 120000, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/k_suffix", JobFilter, "min_salary: $120k\nmax_salary: 150K\n",
         {"keywords": [], "min_salary": 120000, "max_salary": 150000, "remote": None, "seniority": None, "locations": []}),
    Case("fit/k_suffix_euro", JobFilter, "min_salary: €95k\n",
         {"keywords": [], "min_salary": 95000, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/yes_word", JobFilter, "remote: Yes\n",
         {"keywords": [], "min_salary": None, "max_salary": None, "remote": True, "seniority": None, "locations": []}),
    Case("fit/y_letter", Settings, "version: '1'\nenabled: y\n",
         {"version": "1", "commit": "", "answer": "", "enabled": True, "ratio": None}),
    Case("fit/quoted_no", JobFilter, "remote: \"no\"\n",
         {"keywords": [], "min_salary": None, "max_salary": None, "remote": False, "seniority": None, "locations": []}),
    Case("fit/na_as_null", JobFilter, "min_salary: N/A\nremote: unknown\n",
         {"keywords": [], "min_salary": None, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/none_word_null", JobFilter, "seniority: none\nmax_salary: not specified\n",
         {"keywords": [], "min_salary": None, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/none_word_in_string_kept", Settings, "version: '1'\nanswer: none\n",
         {"version": "1", "commit": "", "answer": "none", "enabled": False, "ratio": None}),
    Case("fit/scalar_to_list", Assessment, ASSESS_YAML.replace("missing:\n  - Spark", "missing: Spark"), ASSESS),
    Case("fit/scalar_to_list_plan", Plan, "calls:\n  skill: job_view\n  params:\n    job_id: j00042\n", ONE),
    Case("fit/scalar_to_list_keywords", JobFilter, "keywords: data engineering\n",
         {"keywords": ["data engineering"], "min_salary": None, "max_salary": None, "remote": None, "seniority": None,
          "locations": []}),
    Case("fit/comma_list", JobFilter, "keywords: python, sql, spark\nlocations: Berlin, Remote\n",
         {"keywords": ["python", "sql", "spark"], "min_salary": None, "max_salary": None, "remote": None,
          "seniority": None, "locations": ["Berlin", "Remote"]}),
    Case("fit/comma_list_matched", Assessment, ASSESS_YAML.replace("matched:\n  - Python\n  - SQL", "matched: Python, SQL"),
         ASSESS),
    Case("fit/one_item_list_scalar", Assessment, ASSESS_YAML.replace("verdict: strong_fit", "verdict:\n  - strong_fit"), ASSESS),
    Case("fit/one_item_list_number", Intent, "intent: job_search\nconfidence: [0.8]\n", {"intent": "job_search", "confidence": 0.8}),
    Case("fit/one_item_list_model", Company, "name: Acme\nheadquarters:\n  - city: Lisbon\n    country: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("fit/enum_title_space", Intent, "intent: Job Search\nconfidence: 0.8\n", {"intent": "job_search", "confidence": 0.8}),
    Case("fit/enum_kebab_upper", Intent, "intent: CAREER-ADVICE\nconfidence: 0.8\n", {"intent": "career_advice", "confidence": 0.8}),
    Case("fit/enum_case_verdict", Assessment, ASSESS_YAML.replace("strong_fit", "Strong Fit"), ASSESS),
    Case("fit/enum_seniority_case", JobFilter, "seniority: Senior\n",
         {"keywords": [], "min_salary": None, "max_salary": None, "remote": None, "seniority": "senior", "locations": []}),
    Case("fit/yaml11_no", Settings, "version: '1'\nanswer: NO\n",
         {"version": "1", "commit": "", "answer": "NO", "enabled": False, "ratio": None}),
    Case("fit/yaml11_version", Settings, "version: 1.10\n",
         {"version": "1.10", "commit": "", "answer": "", "enabled": False, "ratio": None}),
    Case("fit/yaml11_sha", Settings, "version: '2'\ncommit: 0e9e39f\n",
         {"version": "2", "commit": "0e9e39f", "answer": "", "enabled": False, "ratio": None}),
    Case("fit/yaml11_octal", Settings, "version: 0123\n",
         {"version": "0123", "commit": "", "answer": "", "enabled": False, "ratio": None}),
    Case("fit/yaml11_on", Settings, "version: '1'\nanswer: on\n",
         {"version": "1", "commit": "", "answer": "on", "enabled": False, "ratio": None}),
    Case("fit/yaml11_time", Settings, "version: 12:30\n",
         {"version": "12:30", "commit": "", "answer": "", "enabled": False, "ratio": None}),
    Case("fit/duplicate_keys", Intent, "intent: career_advice\nconfidence: 0.8\nintent: job_search\n",
         {"intent": "job_search", "confidence": 0.8}),
    Case("fit/duplicate_keys_styles", JobFilter, "min_salary: 100000\nminSalary: 120000\n",
         {"keywords": [], "min_salary": 120000, "max_salary": None, "remote": None, "seniority": None, "locations": []}),
    Case("fit/duplicate_json_keys", Intent, '{"intent": "career_advice", "confidence": 0.8, "intent": "job_search"}',
         {"intent": "job_search", "confidence": 0.8}),
    Case("fit/extra_keys", Intent, "intent: job_search\nconfidence: 0.8\nreasoning: the member asked for jobs\n",
         {"intent": "job_search", "confidence": 0.8}),
    Case("fit/extra_keys_nested", Company, "name: Acme\nheadquarters:\n  city: Lisbon\n  country: Portugal\n  street: Rua A\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("fit/extra_keys_with_error", Plan, "thought: read the job\ncalls:\n  - skill: job_view\n    params: {job_id: j00042}\n",
         ONE),

    # --- several problems at once, as real outputs have them ------------------------------------------
    Case("mixed/fence_prose_bullets", Plan, "Plan below.\n```yaml\ncalls:\n  * skill: job_view\n    params:\n"
         "      job_id:j00042\n  * skill: profile_view\n    parameters:\n      member_id: m00007\n```\nDone.", TWO),
    Case("mixed/crlf_tabs_bold", Assessment, ("**fit_score**: 4/5\r\nverdict:\tStrong Fit\r\nmatched: Python, SQL\r\n"
         "missing: Spark\r\nNext Steps:\r\n  1. Apply this week\r\nsummary: A strong match on the core skills.\r\n"),
         ASSESS),
    Case("mixed/json_fenced_python", JobFilter, "```json\n{'keywords': 'ml, data', 'minSalary': '$130k', "
         "'remote': True, 'seniority': 'Senior',}\n```",
         {"keywords": ["ml", "data"], "min_salary": 130000, "max_salary": None, "remote": True,
          "seniority": "senior", "locations": []}),
    Case("mixed/wrapper_smart_quotes", Intent, "response:\n  intent: \u201cJob Search\u201d\n  confidence: \u201c0.9\u201d\n",
         {"intent": "job_search", "confidence": 0.9}),
    Case("mixed/missing_dash_no_space", Plan, "calls:\n  - skill:job_view\n    job_id: j00042\n  skill: profile_view\n"
         "    member_id: m00007\n", TWO),
    Case("mixed/bom_markers_multiline", Assessment, "\ufeff---\n" + ASSESS_YAML.replace(
        "summary: A strong match on the core skills.", "summary: A strong match\non the core skills.") + "...\n", ASSESS),
    Case("mixed/zero_width_nbsp_json", Plan, '\u200b{"calls":\u00a0[{"skill": "job_view", "params": {"job_id": "j00042"}},]}',
         ONE),
    Case("mixed/indent_and_colon_value", Company, "Name: Acme: the anvil people\nheadquarters:\n   city: Lisbon\n  country: Portugal\n"
         "employees: 1,200\n", {"name": "Acme: the anvil people", "headquarters": {"city": "Lisbon", "country": "Portugal"},
                                 "employees": 1200}),
    Case("mixed/cut_json_fence", Plan, '```json\n{"calls": [\n  {"skill": "job_view", "params": {"job_id": "j00042"}},\n'
         '  {"skill": "profile_view", "params": {"member_', ONE),
    Case("mixed/numbered_wrapper_synonyms", Plan, "plan:\n  steps:\n    1. tool: job_view\n       args:\n         job_id: j00042\n"
         "    2. tool: profile_view\n       args:\n         member_id: m00007\n", TWO),

    # --- truncation ----------------------------------------------------------------------------------
    Case("cut/mid_item", Plan, PLAN_YAML + "  - skill: web_se", {"calls": TWO["calls"] + [
        {"skill": "web_se", "params": {}}]}),
    Case("cut/mid_key", Plan, PLAN_YAML + "  - ski", TWO),
    Case("cut/json_mid_object", Plan, '{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}, {"skill": "prof', ONE),
    Case("cut/json_mid_string", Plan, '{"calls": [{"skill": "job_view", "params": {"job_id": "j00042"}}, {"sk', ONE),
    Case("cut/fence_unclosed", Plan, f"```yaml\n{PLAN_YAML}", TWO),
    Case("cut/list_item", Assessment, ASSESS_YAML.replace("summary: A strong match on the core skills.\n", "")
         .replace("fit_score: 4\n", "summary: A strong match on the core skills.\nfit_score: 4\n") + "  - Prac",
         {**ASSESS, "next_steps": ["Apply this week", "Prac"]}),
    Case("cut/required_missing", Assessment, "fit_score: 4\nverdict: strong_fit\nmatched:\n  - Python\n  - SQ",
         Refuse("summary")),
    Case("cut/missing_required_in_last_json_item", Plan, '{"calls": [{"skill": "job_view"}, {"params": {"job_id": "j1"',
         _plan(("job_view", {}))),

    # --- the classes a reviewer's 87 outputs found the parser missing ---------------------------------
    # tabs indenting a nested mapping, under space-indented keys
    Case("chars/tabs_nested_params", Plan, PLAN_YAML.replace("      ", "\t"), TWO),
    Case("chars/tabs_nested_two_deep", Plan, PLAN_YAML.replace("      ", "\t\t"), TWO),
    Case("chars/tabs_nested_mixed", Plan, "calls:\n- skill: job_view\n  params:\n  \tjob_id: j00042\n  \tlimit: 3\n",
         _plan(("job_view", {"job_id": "j00042", "limit": 3}))),
    Case("chars/tabs_nested_model", Company, "name: Acme\nheadquarters:\n\tcity: Lisbon\n\tcountry: Portugal\nemployees: 40\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": 40}),
    Case("chars/tabs_nested_in_nested_list", Release,
         "version: 3\nstages:\n  - stage: build\n    steps:\n\t- name: compile\n\t  retries: 2\n",
         {"version": 3, "build": None, "stages": [{"stage": "build", "steps": [{"name": "compile", "retries": 2}]}]}),
    # a mapping's children at the same indent as their parent key
    Case("syntax/children_at_parent_indent", Company, "name: Acme\nheadquarters:\ncity: Lisbon\ncountry: Portugal\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": None}),
    Case("syntax/children_at_parent_indent_params", Plan,
         "calls:\n  - skill: job_view\n    params:\n    job_id: j00042\n", ONE),
    Case("syntax/children_at_parent_indent_two_items", Plan, PLAN_YAML.replace("      ", "    "), TWO),
    Case("syntax/children_at_parent_indent_then_key", Company,
         "name: Acme\nheadquarters:\ncity: Lisbon\ncountry: Portugal\nemployees: 12\n",
         {"name": "Acme", "headquarters": {"city": "Lisbon", "country": "Portugal"}, "employees": 12}),
    # an integer written with the word that names it
    Case("fit/number_prefix_v", Release, "version: v7\n", {"version": 7, "build": None, "stages": []}),
    Case("fit/number_prefix_upper", Release, "version: V12\nbuild: build-3\n", {"version": 12, "build": 3, "stages": []}),
    Case("fit/number_prefix_quoted", Release, 'version: "v7"\n', {"version": 7, "build": None, "stages": []}),
    Case("fit/number_prefix_word", Release, "version: version 7\nbuild: '#41'\n",
         {"version": 7, "build": 41, "stages": []}),
    Case("fit/number_prefix_json", Release, '{"version": "v2", "build": "no. 5"}', {"version": 2, "build": 5, "stages": []}),
    # the next list item's dash dropped: its keys repeat inside the item before
    Case("syntax/missing_dash_keys_repeat", Plan,
         "calls:\n  - skill: job_view\n    params:\n      job_id: j00042\n    skill: profile_view\n    params:\n"
         "      member_id: m00007\n", TWO),
    Case("syntax/missing_dash_keys_repeat_flow_params", Plan,
         "calls:\n- skill: job_view\n  params: {job_id: j00042}\n  skill: profile_view\n  params: {member_id: m00007}\n",
         TWO),
    Case("syntax/missing_dash_keys_repeat_three", Plan,
         "calls:\n- skill: job_view\n  params: {job_id: j00042}\n  skill: profile_view\n  params: {member_id: m00007}\n"
         "  skill: web_search\n  params: {query: negotiation}\n",
         _plan(("job_view", {"job_id": "j00042"}), ("profile_view", {"member_id": "m00007"}),
               ("web_search", {"query": "negotiation"}))),
    Case("syntax/missing_dash_keys_repeat_synonym", Plan,
         "calls:\n- skill: job_view\n  params: {job_id: j00042}\n  tool: profile_view\n  params: {member_id: m00007}\n",
         TWO),
    Case("syntax/missing_dash_keys_repeat_synonym_three", Plan,
         "calls:\n- skill: job_view\n  params: {job_id: j00042}\n  tool: profile_view\n  params: {member_id: m00007}\n"
         "  tool: web_search\n  params: {query: negotiation}\n",
         _plan(("job_view", {"job_id": "j00042"}), ("profile_view", {"member_id": "m00007"}),
               ("web_search", {"query": "negotiation"}))),
    Case("syntax/missing_dash_keys_repeat_nested", Release,
         "version: 1\nstages:\n- stage: build\n  steps:\n  - name: compile\n    retries: 1\n    name: test\n",
         {"version": 1, "build": None, "stages": [{"stage": "build", "steps": [{"name": "compile", "retries": 1},
                                                                               {"name": "test", "retries": 0}]}]}),
    # a synonym of the item's naming field, in a nested list item
    Case("fit/synonym_nested_title", Release,
         "version: 1\nstages:\n- stage: build\n  steps:\n  - title: compile\n  - title: test\n    retries: 2\n",
         {"version": 1, "build": None, "stages": [{"stage": "build", "steps": [{"name": "compile", "retries": 0},
                                                                               {"name": "test", "retries": 2}]}]}),
    Case("fit/synonym_nested_type_prefixed", Release,
         "version: 1\nstages:\n- stage: ship\n  steps:\n  - step_name: upload\n    step_retries: 3\n",
         {"version": 1, "build": None, "stages": [{"stage": "ship", "steps": [{"name": "upload", "retries": 3}]}]}),
    Case("fit/synonym_nested_label", Release,
         "version: 1\nstages:\n- stage: ship\n  steps:\n  - label: upload\n",
         {"version": 1, "build": None, "stages": [{"stage": "ship", "steps": [{"name": "upload", "retries": 0}]}]}),
    Case("fit/synonym_nested_tool", Plan,
         "plan:\n  calls:\n  - tool: job_view\n    arguments: {job_id: j00042}\n  - function: profile_view\n"
         "    inputs: {member_id: m00007}\n", TWO),
    Case("fit/synonym_beside_its_field_is_dropped", Release,
         "version: 1\nstages:\n- stage: ship\n  steps:\n  - name: upload\n    title: Upload the build\n",
         {"version": 1, "build": None, "stages": [{"stage": "ship", "steps": [{"name": "upload", "retries": 0}]}]}),

    # --- must refuse ---------------------------------------------------------------------------------
    Case("refuse/sorry", Plan, "I'm sorry, but I can't help with that request.", Refuse(None)),
    Case("refuse/as_an_ai", Assessment, "As an AI language model, I cannot assess candidates.", Refuse(None)),
    Case("refuse/cannot_fenced", Plan, "```\nI cannot share that.\n```", Refuse(None)),
    Case("refuse/empty", Plan, "", Refuse(None)),
    Case("refuse/whitespace", Plan, "  \n\t\n", Refuse(None)),
    Case("refuse/empty_fence", Plan, "```yaml\n```", Refuse(None)),
    Case("refuse/unknown_enum", Intent, "intent: shopping\nconfidence: 0.8\n", Refuse("intent")),
    Case("refuse/unknown_enum_verdict", Assessment, ASSESS_YAML.replace("strong_fit", "amazing"), Refuse("verdict")),
    Case("refuse/unknown_seniority", JobFilter, "seniority: wizard\n", Refuse("seniority")),
    Case("refuse/out_of_range_score", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score: 9"), Refuse("fit_score")),
    Case("refuse/out_of_range_fraction", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score: 8/10"),
         Refuse("fit_score")),
    Case("refuse/out_of_range_confidence", Intent, "intent: job_search\nconfidence: 1.5\n", Refuse("confidence")),
    Case("refuse/missing_required", Assessment, ASSESS_YAML.replace("verdict: strong_fit\n", ""), Refuse("verdict")),
    Case("refuse/missing_required_nested", Company, "name: Acme\nheadquarters:\n  city: Lisbon\n",
         Refuse("headquarters.country")),
    Case("refuse/missing_skill", Plan, "calls:\n  - params:\n      job_id: j00042\n", Refuse("calls.0.skill")),
    Case("refuse/na_required_int", Assessment, ASSESS_YAML.replace("fit_score: 4", "fit_score: N/A"), Refuse("fit_score")),
    Case("refuse/word_for_number", JobFilter, "min_salary: competitive\n", Refuse("min_salary")),
    Case("refuse/ambiguous_list_for_scalar", Intent, "intent: [job_search, career_advice]\nconfidence: 0.8\n",
         Refuse("intent")),
    Case("refuse/number_prefix_with_fraction", Release, "version: v7.5\n", Refuse("version")),
    Case("refuse/prefix_without_number", Release, "version: vNext\n", Refuse("version")),
    Case("refuse/prose_only", Plan, "First I would look at the job, then at your profile.", Refuse(None)),
]
