"""Prompt sources (mlflow/prompts/*.yaml): versioned templates with `{{variable}}` placeholders."""

from components.prompts.library import PROMPTS_DIR, Prompt, PromptError, PromptLibrary

__all__ = ["PROMPTS_DIR", "Prompt", "PromptError", "PromptLibrary"]
