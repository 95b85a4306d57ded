"""Which language a page request gets, and both languages served by one process."""

from __future__ import annotations

import httpx
import pytest

from playground import i18n, web


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("te-IN,te;q=0.9,en-US;q=0.8,en;q=0.7", "te"),
        ("te", "te"),
        ("en-US,en;q=0.9,te;q=0.8", "en"),
        ("fr-FR,te;q=0.5", "en"),
        ("en;q=0.5, te-IN;q=0.8", "te"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("te;q=oops, en", "en"),
    ],
)
def test_the_browsers_most_preferred_language_picks_the_page(header, lang):
    assert web.preferred_language(header) == lang


def test_the_link_parameter_wins_then_the_path_then_the_cookie_then_the_browser():
    assert web.choose_language("en", "te", "en", "en-US") == "te"
    assert web.choose_language("te", "en", "te", "te-IN") == "en"
    assert web.choose_language("te", None, "en", "en-US") == "te"  # /te/ is Telugu whatever the cookie
    assert web.choose_language("en", None, "en", "te-IN") == "en"  # a kept choice beats the browser
    assert web.choose_language("en", None, "te", "en-US") == "te"
    assert web.choose_language("en", None, None, "te-IN") == "te"
    assert web.choose_language("en", "klingon", None, "te-IN") == "en"


def test_page_paths():
    assert [web.page_language(p) for p in ("/", "/te", "/te/", "/config", "/te/config", "/ten/")] == [
        "en",
        "te",
        "te",
        None,
        None,
        None,
    ]
    assert web.relative_location("/", "te") == "te/"
    assert web.relative_location("/te", "te") == "te/"
    assert web.relative_location("/te/", "en") == "../"
    assert web.relative_location("/te", "en") == "./"


@pytest.mark.real
def test_served_pages_follow_link_cookie_and_browser(app_url):
    with httpx.Client(base_url=app_url, follow_redirects=False, timeout=30) as http:
        assert http.get("/").status_code == 200
        telugu_browser = http.get("/", headers={"accept-language": "te-IN,te;q=0.9"})
        assert (telugu_browser.status_code, telugu_browser.headers["location"]) == (307, "te/")
        link = http.get("/?lang=te&view=api")
        assert (link.status_code, link.headers["location"]) == (307, "te/?view=api")
        assert "playground_lang=te" in link.headers["set-cookie"]
        back = http.get("/te/?lang=en")
        assert (back.status_code, back.headers["location"]) == (307, "../")
        kept = http.get("/", headers={"accept-language": "te-IN", "cookie": "playground_lang=en"})
        assert kept.status_code == 200
        assert http.get("/te").headers["location"] == "te/"
        assert http.get("/config", headers={"accept-language": "te-IN"}).status_code == 200  # API untouched
    with httpx.Client(base_url=app_url, follow_redirects=True, timeout=30) as http:
        english, telugu = http.get("/").text, http.get("/?lang=te").text
        switch = {lang: f'aria-label=\\"{i18n.t("page.switch_label", lang=lang)}\\"' for lang in ("en", "te")}
        assert switch["en"] in english and switch["te"] not in english
        assert switch["te"] in telugu and switch["en"] not in telugu


@pytest.mark.real
def test_api_errors_speak_the_language_of_the_page_the_request_came_through(app_url, client):
    from gradio_client import Client

    with pytest.raises(Exception, match="The number of beams must be") as english:
        client.predict("Hi", False, 99, 4, 1.0, False, api_name="/beam_search")
    telugu = Client(f"{app_url}/te/", verbose=False)
    with pytest.raises(Exception, match=r"[\u0C00-\u0C7F]") as in_telugu:
        telugu.predict("Hi", False, 99, 4, 1.0, False, api_name="/beam_search")
    assert "99" in str(english.value) and "99" in str(in_telugu.value)
    assert telugu.predict("తెలుగు", "", api_name="/tokenize")["num_tokens"] == 18
