"""Skills: internal APIs wrapped for an LLM, declared as data, registered, invoked concurrently."""

from components.skills.invoke import Failure, SkillCall, SkillInvoker, SkillResult
from components.skills.notice import UNAVAILABLE, unavailable_notice, unavailable_skills
from components.skills.registry import (
    BUILTIN_DECLARATIONS,
    SkillRegistry,
    UnknownSkillError,
    default_registry,
    load_declarations,
)
from components.skills.spec import CallSpec, ParamSpec, SkillSpec

__all__ = [
    "BUILTIN_DECLARATIONS", "UNAVAILABLE", "CallSpec", "Failure", "ParamSpec", "SkillCall", "SkillInvoker",
    "SkillRegistry", "SkillResult", "SkillSpec", "UnknownSkillError", "default_registry", "load_declarations",
    "unavailable_notice", "unavailable_skills",
]
