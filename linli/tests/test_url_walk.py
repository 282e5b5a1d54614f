"""The URL walk that sweeping tests (second factor, outsiders) rely on covers every route."""

from django.urls import resolve

from linli.testing_security import every_url, named_url_patterns


def test_the_walk_finds_pages_of_every_kind():
    names = {name for name, _url in every_url()}
    assert {"home", "accounts:login", "accounts:audit_log", "admin:index"} <= names
    assert any(name.startswith("places:") for name in names)
    assert any(name.startswith("api:") for name in names)


def test_every_walked_url_resolves():
    for name, url in every_url():
        # Several API operations may share one path (GET and POST): any match will do.
        assert resolve(url).url_name, (name, url)


def test_object_ids_can_be_chosen_by_the_caller():
    urls = dict(every_url(lambda name, arg, converter: 4242 if name == "places:grid" else None))
    assert urls["places:grid"] == "/places/grids/4242/"


def test_only_regex_routes_are_left_out():
    walked = {name for name, _url in every_url()}
    skipped = {name for name, _p in named_url_patterns()} - walked
    for name in skipped:
        pattern = dict(named_url_patterns())[name]
        assert not hasattr(pattern.pattern, "converters") or not pattern.pattern.converters, name


def test_regex_routes_are_walked_with_arguments_they_accept():
    urls = dict(every_url())
    assert urls["open311:services"] == "/open311/v2/services.json"
    assert urls["open311:request"] == "/open311/v2/requests/1.json"
