"""The seniority ladder: every title the generator makes has a next rung, up to a VP."""

from components.network.store import NetworkStore
from components.network.titles import LADDER, next_title, title_at


def test_each_rung_names_the_next_title_up():
    assert next_title("Junior Program Manager") == "Associate Program Manager"
    assert next_title("Associate Program Manager") == "Program Manager"  # mid level has no rank word
    assert next_title("data engineer intern") == "Junior Data Engineer"  # as a member may have typed it
    assert next_title("Lead Data Engineer") == "Director of Data Engineering"
    assert next_title("VP of Nursing") == "VP of Nursing"  # the top
    assert next_title("Chief Vibes Officer") is None  # a title the ladder does not make


def test_a_role_named_for_its_rank_skips_the_rung_it_shares():
    assert title_at("Store Operations Lead", "lead") == title_at("Store Operations Lead", "senior")
    assert next_title("Senior Store Operations Lead") == "Director of Store Operations"


def test_every_member_title_climbs_the_ladder_to_a_vp():
    for member in NetworkStore.load().members.values():
        current = member.experience[0].title
        for _ in LADDER:
            above = next_title(current)
            assert above is not None, current  # every title the network holds is on the ladder
            if above == current:
                break
            current = above
        assert current.startswith("VP of"), member.experience[0].title
