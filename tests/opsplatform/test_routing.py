"""Ids in URLs are bounded: a number too large for a database id is a plain 404, never a server error."""

import pytest

HUGE = "9" * 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/posts/{HUGE}/",
        f"/api/v1/library/documents/{HUGE}/",
        f"/api/v1/operations/{HUGE}/",
        f"/api/v1/operations/{HUGE}/participants/",
        f"/channel/posts/{HUGE}/",
        f"/operations/{HUGE}/",
        "/api/v1/posts/abc/",
    ],
)
def test_out_of_range_or_non_numeric_ids_are_not_found(client, officer, path):
    client.force_login(officer)
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_the_largest_accepted_id_is_looked_up_and_not_found(client, officer):
    client.force_login(officer)
    assert client.get(f"/api/v1/operations/{'9' * 18}/").status_code == 404
