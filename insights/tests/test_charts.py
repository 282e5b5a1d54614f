"""Charts read by screen readers and keyboards: an image, or a group of named links."""

from insights import charts


def test_a_chart_without_links_is_one_image_with_its_title():
    svg = charts.bar_chart([charts.Bar(3, "第1周：3件")], title="每周受理", desc="说明")
    assert 'role="img"' in svg
    assert 'aria-label="每周受理"' in svg
    assert "<a " not in svg


def test_a_chart_whose_bars_are_links_is_a_group_of_links_named_by_their_tips():
    # An image cannot hold controls (axe: nested-interactive): the bars would be
    # neither announced nor reachable as links.
    bars = [
        charts.Bar(3, "Week of 2026-03-02: 3 orders", href="/insights/orders/?w=1"),
        charts.Bar(5, "Week of 2026-03-09: 5 orders", href="/insights/orders/?w=2"),
    ]
    svg = charts.bar_chart(bars, title="Orders received per week", desc="…")
    assert 'role="img"' not in svg
    assert 'role="group" aria-label="Orders received per week"' in svg
    assert '<a href="/insights/orders/?w=1" aria-label="Week of 2026-03-02: 3 orders">' in svg
    assert '<a href="/insights/orders/?w=2" aria-label="Week of 2026-03-09: 5 orders">' in svg
