"""The OpenAI-compatible request: what it asks, and the conversation its client sent with it."""

from components.http.protocol import ChatCompletionRequest


def _request(*messages: tuple[str, str]) -> ChatCompletionRequest:
    return ChatCompletionRequest(model="auto", messages=[{"role": role, "content": text} for role, text in messages])


def test_the_messages_before_the_last_question_are_its_history_in_pairs():
    request = _request(("system", "Be brief."), ("user", "What does Acme do?"), ("assistant", "It builds grids."),
                       ("user", "Is it hiring?"), ("assistant", "Two roles."), ("user", "Am I a fit?"))
    assert request.to_assist().query == "Am I a fit?"
    assert request.history() == [("What does Acme do?", "It builds grids."), ("Is it hiring?", "Two roles.")]


def test_a_first_question_has_no_history_and_an_unanswered_one_is_left_out():
    assert _request(("user", "hi")).history() is None
    assert _request(("user", "first"), ("user", "second"), ("assistant", "answer"), ("user", "third")).history() == [
        ("second", "answer")]
