import pytest
from django.template.loader import render_to_string
from django.urls import reverse


@pytest.mark.django_db
def test_a_page_outside_the_users_area_says_so_and_offers_the_way_home(login, outsider, compound):
    response = login(outsider).get(reverse("places:compound", args=[compound.pk]))
    content = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in content
    assert compound.name not in content
    assert f'href="{reverse("home")}"' in content


def test_the_server_error_page_renders_without_a_request_or_a_database():
    content = render_to_string("500.html")
    assert "出错了" in content and "Server error" in content
    assert "/static/linli/css/app.css" in content
    assert "style=" not in content and "<script" not in content
