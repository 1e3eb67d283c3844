"""The behaviour tests of this folder run against both clients: ``Groq``, and ``AsyncGroq`` driven through
``tests.client_helpers.SyncView`` (the same test body, the async client's real code on an event loop).

A test (or module, with ``pytestmark``) about the sync client alone says ``@pytest.mark.sync_only``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from tests.client_helpers import CLIENT_KIND

KINDS = ["sync", "async"]
_PASSED = pytest.StashKey[bool]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "client_kind" in metafunc.fixturenames:
        kinds = ["sync"] if metafunc.definition.get_closest_marker("sync_only") else KINDS
        metafunc.parametrize("client_kind", kinds, indirect=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_PASSED] = report.passed
    return report


@pytest.fixture
def client_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    kind: str = request.param
    CLIENT_KIND["kind"] = kind
    CLIENT_KIND["made"] = 0
    try:
        yield kind
    finally:
        CLIENT_KIND["kind"] = "sync"
    if kind == "async" and not CLIENT_KIND["made"] and request.node.stash.get(_PASSED, False):
        # The test built no client through make_client/make_groq: its [async] run tested Groq a second time.
        pytest.fail("this test never drove AsyncGroq: build clients with make_client/make_groq, or mark it sync_only")


@pytest.fixture(autouse=True)
def _client_kind(client_kind: str) -> str:
    return client_kind
