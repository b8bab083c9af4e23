"""A model pin's sampling settings on a generation request (the planner's and the generator's)."""

from __future__ import annotations

from dataclasses import replace

from components.engines import GenerationRequest

__all__ = ["sampled"]


def sampled(request: GenerationRequest, sampling: dict[str, float] | None) -> GenerationRequest:
    """`request` with a model pin's sampling settings; its max_tokens never exceeds the pipeline's own cap."""
    if not sampling:
        return request
    return replace(request, temperature=float(sampling.get("temperature", request.temperature)),
                   top_p=float(sampling.get("top_p", request.top_p)),
                   max_tokens=min(int(sampling.get("max_tokens", request.max_tokens)), request.max_tokens))
