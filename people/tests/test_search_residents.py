"""search_residents: every way an operator finds a caller."""

from __future__ import annotations

import pytest

from linli import testing as t
from people.services import search_residents
from people.tests.factories import make_resident


@pytest.fixture
def wang(operator, community, household):
    return make_resident(
        operator, community, "王秀兰", household=household, phones=[("13800001234", "本人")]
    )


@pytest.fixture
def others(operator, community, household, household_b):
    return [
        make_resident(operator, community, "王秀英", household=household_b, phones=["13912345678"]),
        make_resident(
            operator, community, "李建国", household=household_b, phones=["0359-4021234"]
        ),
        make_resident(operator, community, "王", phones=["13700009999"]),
    ]


def names(results):
    return [r.name for r in results]


@pytest.mark.parametrize(
    "query",
    [
        "13800001234",
        "138 0000 1234",
        "+86 138-0000-1234",
        "王秀兰",
        "wangxiulan",
        "WangXiuLan",
        "wang xiu lan",
        "wxl",
        "供销巷 3号楼",
        "供销巷3号楼2单元401",
        "3-2-401",
        "王秀兰 供销巷",
    ],
)
def test_each_search_form_finds_the_resident_first(operator, wang, others, query):
    assert names(search_residents(acting_user=operator, query=query))[0] == "王秀兰"


def test_last_four_digits_find_every_phone_ending_so(operator, wang, others):
    # 13800001234 (王秀兰) and 0359-4021234 (李建国) both end in 1234.
    assert set(names(search_residents(acting_user=operator, query="1234"))) == {"王秀兰", "李建国"}


def test_a_name_prefix_finds_exact_match_before_longer_names(operator, wang, others):
    found = names(search_residents(acting_user=operator, query="王"))
    assert found[0] == "王"
    assert set(found) == {"王", "王秀兰", "王秀英"}


def test_pinyin_prefix_finds_both_xiu_names(operator, wang, others):
    assert set(names(search_residents(acting_user=operator, query="wangxiu"))) == {
        "王秀兰",
        "王秀英",
    }


def test_an_unknown_number_finds_nobody(operator, wang):
    assert search_residents(acting_user=operator, query="13999999999") == []


def test_a_grid_worker_finds_only_residents_of_their_grid(grid_worker_b, operator, wang, others):
    assert "王秀兰" not in names(search_residents(acting_user=grid_worker_b, query="王"))
    assert "王秀英" in names(search_residents(acting_user=grid_worker_b, query="王"))


def test_an_outsider_finds_nobody(outsider, wang):
    assert search_residents(acting_user=outsider, query="13800001234") == []
    assert search_residents(acting_user=outsider, query="王秀兰") == []


def test_results_carry_their_place_phones_and_tags_without_more_queries(
    operator, wang, others, django_assert_num_queries
):
    results = search_residents(acting_user=operator, query="王")
    with django_assert_num_queries(0):
        for r in results:
            _ = r.household and r.household.building.compound.grid.name
            _ = [p.masked for p in r.phones.all()]
            _ = [t.name for t in r.care_tags.all()]


def test_search_takes_a_bounded_number_of_queries(
    operator, wang, others, django_assert_max_num_queries
):
    operator = type(operator).objects.get(pk=operator.pk)  # nothing cached on the user
    # roles, 2 scopes, a compound lookup per Chinese word (2), households, 2 candidate
    # tiers, residents, phones, tags
    with django_assert_max_num_queries(12):
        search_residents(acting_user=operator, query="王秀兰 供销巷 3号楼")


def test_an_empty_query_finds_nothing(operator, wang):
    assert search_residents(acting_user=operator, query="   ") == []


def test_a_moved_away_resident_comes_after_current_ones(operator, community, wang):
    gone = make_resident(operator, community, "王秀兰", phones=["13600001111"])
    gone.moved_away_on = gone.created_at.date()
    gone.save()
    found = search_residents(acting_user=operator, query="王秀兰")
    assert [r.pk for r in found] == [wang.pk, gone.pk]


def test_other_community_residents_are_not_found(operator, other_community, community, wang):
    other_operator = t.make_user(role=t.Role.OPERATOR, community=other_community)
    make_resident(other_operator, other_community, "王秀兰", phones=["13800001234"])
    assert len(search_residents(acting_user=operator, query="13800001234")) == 1


@pytest.mark.parametrize("query", ["王芳", "wangfang", "wf"])
def test_the_exact_name_wins_even_among_more_prefix_matches_than_candidates(
    operator, community, monkeypatch, query
):
    from people import search

    monkeypatch.setattr(search, "CANDIDATES", 4)
    # Longer names that share the prefix and sort before 王芳 would not; 王芳 must not be
    # crowded out of the candidates by them.
    for suffix in "一二三四五六七八":
        make_resident(operator, community, "王芳" + suffix)
    exact = make_resident(operator, community, "王芳")
    assert search_residents(acting_user=operator, query=query)[0].pk == exact.pk
