"""Configuration from an environ mapping: variables, overrides, validation, host lookup."""

from __future__ import annotations

import logging
import pickle
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from icp_footer.config import (
    OTHER_VARIABLES,
    VARIABLES,
    ConfigError,
    Problem,
    Settings,
    Site,
    display_host,
    load,
    normalise_host,
    unknown_variables,
)

ICP = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"


def test_nothing_set_means_no_number_and_the_banner() -> None:
    settings = load({})
    assert settings.site_for("example.cn") is None
    assert settings.missing == "banner"
    assert settings.paths == frozenset({"/", "/index.html", "/index.htm"})
    assert settings.strict


def test_the_default_number_and_psb() -> None:
    settings = load({"ICP_FOOTER_NUMBER": ICP, "ICP_FOOTER_PSB": PSB})
    site = settings.site_for("anything.example")
    assert site is not None
    assert site.icp is not None
    assert site.icp.text == ICP
    assert site.psb is not None
    assert site.psb.code == "11010502030143"
    assert site.domain is None


def test_domain_entries_by_semicolon_and_newline() -> None:
    settings = load(
        {
            "ICP_FOOTER_DOMAINS": f" example.cn = {ICP} | {PSB} ;\n"
            "example.net=粤B2-20090059\n\n; example.com = none ;"
        }
    )
    cn = settings.site_for("example.cn")
    assert cn is not None
    assert cn.icp is not None
    assert cn.psb is not None
    assert (cn.icp.text, cn.psb.text) == (ICP, PSB)
    net = settings.site_for("www.example.net")
    assert net is not None
    assert net.icp is not None
    assert net.icp.kind == "telecom"
    com = settings.site_for("example.com")
    assert com is not None
    assert com.silenced


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("example.cn", "example.cn"),
        ("www.example.cn", "example.cn"),
        ("a.b.example.cn", "example.cn"),
        ("shop.example.cn", "shop.example.cn"),
        ("x.shop.example.cn", "shop.example.cn"),
        ("notexample.cn", None),
        ("example.cn.evil.org", None),
        ("cn", None),
    ],
)
def test_entries_cover_subdomains_on_label_boundaries(host: str, domain: str | None) -> None:
    settings = load(
        {
            "ICP_FOOTER_DOMAINS": (
                "example.cn=京ICP备12345678号-1; shop.example.cn=京ICP备12345678号-2"
            )
        }
    )
    site = settings.site_for(host)
    assert (site.domain if site else None) == domain


def test_entries_including_none_beat_the_default_number() -> None:
    settings = load({"ICP_FOOTER_NUMBER": ICP, "ICP_FOOTER_DOMAINS": "example.com=none"})
    com = settings.site_for("www.example.com")
    assert com is not None
    assert com.silenced
    other = settings.site_for("example.org")
    assert other is not None
    assert other.domain is None
    assert not other.silenced


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Example.CN", "example.cn"),
        ("example.cn:8080", "example.cn"),
        ("example.cn.", "example.cn"),
        ("EXAMPLE.cn.:443", "example.cn"),
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("XN--FSQU00A.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        ("例子.中国:8000", "xn--fsqu00a.xn--fiqs8s"),
        ("例子.中国".encode().decode("latin-1"), "xn--fsqu00a.xn--fiqs8s"),  # raw UTF-8 via WSGI
        ("[::1]:8000", "[::1]"),
        ("[0:0:0:0:0:0:0:1]", "[::1]"),
        ("::1", "[::1]"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("", None),
        ("exa mple.cn", None),
        ("example.cn/path", None),
        ("example.cn:http", None),
        ("[::1", None),
        ("-bad.cn", None),
        ("a" * 64 + ".cn", None),
        ("\x00", None),
        (".".join(["a" * 63] * 3 + ["b" * 61]), ".".join(["a" * 63] * 3 + ["b" * 61])),
        (".".join(["a" * 63] * 3 + ["b" * 62]), None),  # 254: longer than a DNS name can be
    ],
)
def test_host_normalisation(raw: str, normal: str | None) -> None:
    assert normalise_host(raw) == normal


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Example.CN:8080", "example.cn"),
        ("xn--fsqu00a.xn--fiqs8s", "例子.中国"),
        ("WWW.XN--FSQU00A.xn--fiqs8s.:443", "www.例子.中国"),
        ("例子.中国", "例子.中国"),
        ("例子.中国".encode().decode("latin-1"), "例子.中国"),
        ("xn--bcher-kva.example", "bücher.example"),
        ("xn--ab-6bv.example", "xn--ab-6bv.example"),  # "a∕b": a symbol, so not decoded
        ("xn--zz.example", "xn--zz.example"),  # not punycode at all
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[0:0:0:0:0:0:0:1]:8000", "[::1]"),
        ("SITE SUSPENDED - verify your account at http://evil.example/login", None),
        ("evil.example/login", None),
        ("a\nb", None),
        ("x" * 8000, None),
        ("", None),
    ],
)
def test_display_host(raw: str, shown: str | None) -> None:
    assert display_host(raw) == shown


def test_idn_entries_match_either_spelling() -> None:
    settings = load({"ICP_FOOTER_DOMAINS": f"例子.中国={ICP}"})
    assert settings.site_for("www.xn--fsqu00a.xn--fiqs8s") is not None
    settings = load({"ICP_FOOTER_DOMAINS": f"xn--fsqu00a.xn--fiqs8s={ICP}"})
    assert settings.site_for("例子.中国:443") is not None


def test_weird_hosts_get_the_default_not_a_crash() -> None:
    settings = load({"ICP_FOOTER_NUMBER": ICP, "ICP_FOOTER_DOMAINS": f"example.cn={ICP}"})
    for host in ("", "\udcff", "a..b", "[zz]", "ex ample.cn", "x" * 5000, None):
        site = settings.site_for(host)
        assert site is not None
        assert site.domain is None


class CountingMapping(Mapping[str, Site]):
    def __init__(self, data: dict[str, Site]) -> None:
        self.data = data
        self.probes = 0

    def __getitem__(self, key: str) -> Site:
        return self.data[key]

    def get(self, key: str, default: object = None) -> Site | None:  # type: ignore[override]
        self.probes += 1
        return self.data.get(key)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("a lookup must never scan the entries")

    def __len__(self) -> int:
        return len(self.data)


def test_a_lookup_is_one_dict_probe_per_label() -> None:
    base = load({"ICP_FOOTER_DOMAINS": ";".join(f"site{i}.cn={ICP}" for i in range(1000))})
    table = CountingMapping(dict(base.domains))
    settings = Settings(domains=table)
    assert settings.site_for("a.b.c.site999.cn") is not None
    assert table.probes == 4
    table.probes = 0
    assert settings.site_for("x.y.z.unknown.org") is None
    assert table.probes == 5


# -- validation -------------------------------------------------------------------------------


def test_a_malformed_number_names_the_variable_the_entry_and_an_example() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_DOMAINS": "example.cn=京ICP备1234号"})
    message = str(caught.value)
    assert 'ICP_FOOTER_DOMAINS entry "example.cn=京ICP备1234号"' in message
    assert "Example: ICP_FOOTER_DOMAINS=" in message
    assert "8 or 10" in message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load(
            {
                "ICP_FOOTER_NUMBER": "萌ICP备20240001号",
                "ICP_FOOTER_PSB": "11010502030143",
                "ICP_FOOTER_DOMAINS": "example.cn; *.example.org=" + ICP + "; a.cn=x; a.cn=none",
                "ICP_FOOTER_PATHS": "index.html",
                "ICP_FOOTER_MISSING": "loud",
                "ICP_FOOTER_LOOKBEHIND": "lots",
                "ICP_FOOTER_ICP_URL": "beian.miit.gov.cn",
                "ICP_FOOTER_STRICT": "maybe",
            }
        )
    problems = caught.value.problems
    variables = [p.split(" ")[0].rstrip(":") for p in problems]
    for variable in (
        "ICP_FOOTER_NUMBER",
        "ICP_FOOTER_PSB",
        "ICP_FOOTER_DOMAINS",
        "ICP_FOOTER_PATHS",
        "ICP_FOOTER_MISSING",
        "ICP_FOOTER_LOOKBEHIND",
        "ICP_FOOTER_ICP_URL",
        "ICP_FOOTER_STRICT",
    ):
        assert variable in variables, problems
    assert all("Example: " in p for p in problems)
    assert any("fan" in p or "萌" in p for p in problems)
    assert any("already covers its subdomains" in p for p in problems)
    assert any("two entries" in p for p in problems)


def test_not_strict_logs_and_uses_the_number_as_given(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        settings = load({"ICP_FOOTER_STRICT": "0", "ICP_FOOTER_NUMBER": "京ICP备2099新格式号"})
    site = settings.site_for("example.cn")
    assert site is not None
    assert site.icp is not None
    assert site.icp.text == "京ICP备2099新格式号"
    assert "ICP_FOOTER_NUMBER" in caplog.text
    # ...but shapes that are not numbers at all still stop startup
    with pytest.raises(ConfigError):
        load({"ICP_FOOTER_STRICT": "0", "ICP_FOOTER_DOMAINS": "example.cn"})


def test_keyword_overrides_beat_the_environment() -> None:
    settings = load(
        {"ICP_FOOTER_NUMBER": "京ICP备87654321号", "ICP_FOOTER_MISSING": "banner"},
        number=ICP,
        domains={"example.com": "none", "example.cn": f"{ICP}|{PSB}"},
        paths=["/", "/home"],
        missing="off",
        strict=True,
        owner="© 2026 示例公司",
        lookbehind_limit=4096,
        trust_forwarded_host=True,
    )
    default = settings.site_for("x.org")
    assert default is not None
    assert default.icp is not None
    assert default.icp.text == ICP
    com = settings.site_for("example.com")
    assert com is not None
    assert com.silenced
    assert settings.is_home("/home")
    assert not settings.is_home("/about")
    assert (settings.missing, settings.owner, settings.lookbehind_limit) == (
        "off",
        "© 2026 示例公司",
        4096,
    )
    assert settings.trust_forwarded_host
    with pytest.raises(TypeError, match="colour"):
        load({}, colour="red")


def test_paths() -> None:
    assert load({"ICP_FOOTER_PATHS": "*"}).paths is None
    assert load({"ICP_FOOTER_PATHS": "*"}).is_home("/any/page")
    settings = load({"ICP_FOOTER_PATHS": " / , /zh/ "})
    assert settings.is_home("/zh/")
    assert settings.is_home("")
    assert not settings.is_home("/en/")


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_FOOTER_NUMBER", ICP)
    site = load().site_for("example.cn")
    assert site is not None
    assert site.icp is not None
    assert site.icp.text == ICP


# -- properties -------------------------------------------------------------------------------

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
UNICODE_LABEL = st.sampled_from(["例子", "中国", "测试", "公司", "网络", "bücher"])
DOMAIN = st.lists(st.one_of(LABEL, UNICODE_LABEL), min_size=1, max_size=4).map(".".join)


@given(DOMAIN, st.sampled_from(["", ":80", ":8443"]), st.booleans(), st.booleans())
def test_normalisation_ignores_case_port_and_trailing_dot(
    domain: str, port: str, upper: bool, dot: bool
) -> None:
    plain = normalise_host(domain)
    assert plain is not None
    variant = (domain.upper() if upper else domain) + ("." if dot else "") + port
    assert normalise_host(variant) == plain
    assert normalise_host(plain) == plain  # idempotent
    assert plain.isascii()


@given(st.lists(DOMAIN, max_size=6, unique=True), DOMAIN, st.lists(LABEL, max_size=3))
def test_lookup_is_the_longest_covering_entry(
    domains: list[str], host_base: str, prefix: list[str]
) -> None:
    numbers = [f"京ICP备1234567{i}号" for i in range(len(domains))]
    try:
        settings = load(
            {
                "ICP_FOOTER_DOMAINS": ";".join(
                    f"{d}={n}" for d, n in zip(domains, numbers, strict=True)
                )
            }
        )
    except ConfigError:
        return  # two spellings of one domain: rejected as two entries, which is right
    host = ".".join([*prefix, host_base])
    normal = normalise_host(host)
    assert normal is not None
    covering = [
        normalise_host(d)
        for d in domains
        if normal == normalise_host(d) or normal.endswith("." + str(normalise_host(d)))
    ]
    expected = max((c for c in covering if c), key=len, default=None)
    site = settings.site_for(host)
    assert (site.domain if site else None) == expected


@given(st.text(max_size=80))
def test_any_host_text_is_safe(host: str) -> None:
    normal = normalise_host(host)
    assert normal is None or (normal.isascii() and " " not in normal)
    load({"ICP_FOOTER_NUMBER": ICP}).site_for(host)
    shown = display_host(host)
    assert (shown is None) is (normal is None)
    if shown is not None:
        assert len(shown) <= 253
        assert all(c.isalnum() or c in ".-[]:" or unicodedata.category(c)[0] == "M" for c in shown)
        assert normalise_host(shown) == normal  # what the banner shows configures this host


@given(DOMAIN, st.lists(LABEL, max_size=2))
def test_the_shown_host_is_what_config_accepts(domain: str, prefix: list[str]) -> None:
    host = ".".join([*prefix, domain])
    shown = display_host(host)
    assert shown is not None
    settings = load({"ICP_FOOTER_DOMAINS": f"{shown}={ICP}"})
    site = settings.site_for(host)
    assert site is not None
    assert site.domain == normalise_host(host)


NAME_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzAZ0123456789-.:[]", max_size=300)
NAME_LIKE = st.lists(st.text(alphabet="a0-", min_size=1, max_size=4), min_size=1, max_size=4).map(
    ".".join
)
LONG_NAME = st.lists(st.text(alphabet="a-", min_size=60, max_size=64), min_size=1, max_size=5).map(
    ".".join
)


@given(st.one_of(NAME_TEXT, NAME_LIKE, LONG_NAME))
@example("a-.cn")
@example("-a.cn")
@example("a.cn.")
@example("cn.a-")
@example(".".join(["a" * 63] * 3 + ["b" * 62]))
def test_the_fast_path_for_names_in_normal_form_agrees_with_the_full_one(text: str) -> None:
    from icp_footer.config import _normalise_host  # noqa: PLC0415 - the path it short-cuts

    assert normalise_host(text) == _normalise_host(text.strip())


def test_the_domains_file_is_a_variable_and_a_keyword(tmp_path: Path) -> None:
    assert "ICP_FOOTER_DOMAINS_FILE" in VARIABLES
    domains = tmp_path / "domains.txt"
    domains.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    site = load({}, domains_file=domains).site_for("www.example.cn")
    assert site is not None
    assert site.domain == "example.cn"
    with pytest.raises(ConfigError, match="ICP_FOOTER_DOMAINS_FILE: cannot read"):
        load({"ICP_FOOTER_DOMAINS_FILE": str(tmp_path / "missing.txt")})


# -- unknown variables -----------------------------------------------------------------------


def test_unknown_variables_come_with_the_closest_known_name() -> None:
    environ = {
        "ICP_FOOTER_NUMBR": "1",
        "ICP_FOOTER_DOMAIN": "x",
        "icp_footer_psb": "y",
        "ICP_FOOTER_COLOUR": "red",
        "ICP_FOOTER_NUMBER": ICP,
        "ICP_FOOTER_PURE_PYTHON": "1",
        "PATH": "/bin",
    }
    assert unknown_variables(environ) == [
        ("ICP_FOOTER_COLOUR", None),
        ("ICP_FOOTER_DOMAIN", "ICP_FOOTER_DOMAINS"),
        ("ICP_FOOTER_NUMBR", "ICP_FOOTER_NUMBER"),
        ("icp_footer_psb", "ICP_FOOTER_PSB"),
    ]
    assert unknown_variables({name: "1" for name in [*VARIABLES, *OTHER_VARIABLES]}) == []


def test_unknown_variables_reads_the_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ICP_FOOTER_OWNR", "x")
    assert ("ICP_FOOTER_OWNR", "ICP_FOOTER_OWNER") in unknown_variables()


def test_load_warns_once_per_unknown_variable(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        settings = load({"ICP_FOOTER_NUMBR": ICP, "ICP_FOOTER_COLOUR": "red"})
    assert settings.default is None  # the misspelt variable is not read
    assert [r.getMessage() for r in caplog.records] == [
        "icp-footer: ICP_FOOTER_COLOUR is not an icp-footer variable; it is ignored",
        "icp-footer: ICP_FOOTER_NUMBR is not an icp-footer variable; it is ignored. "
        "Did you mean ICP_FOOTER_NUMBER?",
    ]


# -- problems --------------------------------------------------------------------------------


def test_each_problem_keeps_its_statement_and_its_example() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_MISSING": "maybe"}, reload_interval=0)
    interval, missing = caught.value.problems
    assert isinstance(missing, Problem)
    assert isinstance(interval, Problem)
    assert missing.statement == 'ICP_FOOTER_MISSING: "maybe" is neither banner nor off'
    assert missing.example == "ICP_FOOTER_MISSING=banner"
    assert missing == f"{missing.statement}. Example: {missing.example}"
    assert (
        interval == "reload_interval: 0 is not a number of seconds > 0. Example: reload_interval=5"
    )
    assert Problem("no example here") == "no example here."


def test_a_problem_survives_pickling() -> None:
    problem = Problem("ICP_FOOTER_PATHS: no path given", 'ICP_FOOTER_PATHS="/"')
    copy = pickle.loads(pickle.dumps(problem))
    assert (copy, copy.statement, copy.example) == (problem, problem.statement, problem.example)
