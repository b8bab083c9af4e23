"""Defensive structured output: read LLM YAML (or JSON) as pydantic models, repairing what LLMs emit.

    from components.structured import parse_yaml, ParseError, StreamingListParser
"""

from components.structured.parse import parse_yaml, parse_yaml_report
from components.structured.report import ParseError, ParseReport
from components.structured.streaming import StreamingListParser

__all__ = ["ParseError", "ParseReport", "StreamingListParser", "parse_yaml", "parse_yaml_report"]
