"""The API client: configuration from the environment, timeouts and clear errors."""

from __future__ import annotations

import pytest
from actions.api_client import ApiConfig, ApiError, ApiUnavailableError, OutreachApi


def test_configuration_comes_from_the_environment():
    """URL, token and timeout are read from OUTREACH_API_*; the URL's trailing slash is dropped."""
    config = ApiConfig.from_env(
        {
            "OUTREACH_API_URL": "http://bot.internal:8080/",
            "OUTREACH_API_TOKEN": " ob_secret ",
            "OUTREACH_API_TIMEOUT": "1.5",
        }
    )
    assert config == ApiConfig("http://bot.internal:8080", "ob_secret", 1.5)
    assert ApiConfig.from_env({"OUTREACH_API_TOKEN": "x"}).url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({}, "OUTREACH_API_TOKEN"),
        ({"OUTREACH_API_TOKEN": "x", "OUTREACH_API_TIMEOUT": "soon"}, "OUTREACH_API_TIMEOUT"),
        ({"OUTREACH_API_TOKEN": "x", "OUTREACH_API_TIMEOUT": "0"}, "OUTREACH_API_TIMEOUT"),
    ],
)
async def test_missing_or_wrong_configuration_is_named(monkeypatch, environ, says):
    """Without a token, or with a nonsense timeout, the error names the variable to set."""
    with pytest.raises(ApiUnavailableError, match=says):
        ApiConfig.from_env(environ)
    for name in ("OUTREACH_API_URL", "OUTREACH_API_TOKEN", "OUTREACH_API_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ApiUnavailableError, match=says):
        await OutreachApi().answer("cej", "fr")


async def test_a_slow_api_is_given_up_after_the_timeout(fake_api):
    """A bot that takes longer than the timeout is reported unavailable, not waited for."""
    fake, config = fake_api
    fake.delay = 1.0
    quick = ApiConfig(config.url, config.token, timeout=0.2)
    with pytest.raises(ApiUnavailableError, match=r"no answer within 0\.2 s"):
        await OutreachApi(quick).answer("cej", "fr")


async def test_refusals_carry_the_status_and_the_api_reason(fake_api):
    """A 4xx keeps its status and the API's own explanation."""
    fake, config = fake_api
    fake.status, fake.body = 409, {"error": "no consent recorded for this sender"}
    with pytest.raises(ApiError) as caught:
        await OutreachApi(config).submit_lead({"sender_id": "s", "age": 19, "phone": "x"})
    assert caught.value.status == 409
    assert "no consent" in str(caught.value)
    assert not isinstance(caught.value, ApiUnavailableError)


@pytest.mark.parametrize(("status", "raw"), [(500, None), (503, None), (200, "<html>oops")])
async def test_server_failures_and_non_json_are_unavailable(fake_api, status, raw):
    """A 5xx or a body that is not JSON means the API cannot answer now."""
    fake, config = fake_api
    fake.status, fake.raw = status, raw
    with pytest.raises(ApiUnavailableError):
        await OutreachApi(config).erase("s", "fr")


async def test_requests_carry_the_bearer_token_and_json(fake_api):
    """Each call presents the token and sends its body as JSON to the documented path."""
    fake, config = fake_api
    fake.body = {"field": "age", "valid": True}
    await OutreachApi(config).check_field("age", "17", "fr")
    assert fake.calls == [("POST", "/api/fields/age", {"text": "17", "locale": "fr"})]
    assert fake.authorizations == ["Bearer t"]


async def test_unreachable_api_names_the_url_not_the_data(dead_api):
    """A refused connection says which URL failed."""
    with pytest.raises(ApiUnavailableError, match=r"cannot reach http://127\.0\.0\.1"):
        await OutreachApi(dead_api).record_consent("s", "v")
