"""`iac-check catalog sync` against stubbed Bedrock answers: no network, no clock.

The responses in fixtures/catalog/list-foundation-models are fed to real botocore clients
through botocore's Stubber, which checks them against the service model.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, by_rule, scan_json
from typer.testing import CliRunner

from validator import sync
from validator.catalog import load_catalog
from validator.catalog_commands import catalog_app

botocore = pytest.importorskip("botocore", reason="catalog sync needs the aws extra")
pytest.importorskip("boto3", reason="catalog sync needs the aws extra")
from botocore.stub import Stubber  # noqa: E402

RESPONSES = FIXTURES / "catalog" / "list-foundation-models"
REGIONS = ("us-east-1", "us-west-2", "eu-central-1")
SYNC_DAY = "2026-11-28"
D = date.fromisoformat
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
MARENGO = "twelvelabs.marengo-embed-2-7-v1:0"


def _timestamps(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON has no timestamps: botocore hands the *Time fields over as datetimes."""
    return {key: datetime.fromisoformat(value.replace("Z", "+00:00")) if key.endswith("Time") else value
            for key, value in pairs}


def _response(region: str) -> dict[str, Any]:
    return json.loads((RESPONSES / f"{region}.json").read_text(encoding="utf-8"), object_pairs_hook=_timestamps)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    """Stubbed calls never sign, but the client must not look for credentials elsewhere."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def stubbed(monkeypatch):
    """Make `catalog sync` build real clients that answer with the given responses."""
    stubbers: list[Stubber] = []

    def install(responses: dict[str, dict[str, Any]]) -> None:
        real = sync.bedrock_clients

        def clients(regions):
            made = real(regions)
            for region, client in made.items():
                stubber = Stubber(client)
                stubber.add_response("list_foundation_models", responses[region], {})
                stubber.activate()
                stubbers.append(stubber)
            return made

        monkeypatch.setattr(sync, "bedrock_clients", clients)

    yield install
    for stubber in stubbers:
        stubber.assert_no_pending_responses()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(catalog_app, ["sync", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _regions(*regions: str) -> list[str]:
    return [arg for region in regions for arg in ("--region", region)]


@pytest.fixture
def overlay(stubbed, tmp_path) -> tuple[Path, str]:
    """The three-region sync written to a file; returns the file and what was printed."""
    stubbed({region: _response(region) for region in REGIONS})
    path = tmp_path / "bedrock-sync.yaml"
    code, out, err = _run(*_regions(*REGIONS), "--as-of", SYNC_DAY, "--output", str(path))
    assert (code, err) == (0, "")
    return path, out


def _entry(document: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(model for model in document["models"] if model["id"] == model_id)


# --------------------------------------------------------------------------- the overlay


def test_overlay_round_trips_through_the_loader(overlay):
    path, _ = overlay
    catalog = load_catalog([path])
    assert catalog.updated == load_catalog().updated  # the bundled date stays the catalog's date
    assert {SONNET_45, MARENGO, "qwen.qwen4-32b-v1:0", "openai.gpt-oss-240b-1:0"} <= set(catalog.overrides)
    code, out, _ = _validate(path)
    assert (code, out) == (0, f"{path}: ok ({len(catalog.overrides)} entries)\n")


def _validate(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(catalog_app, ["validate", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_identical_dates_make_one_row_with_the_api_as_source(overlay):
    path, _ = overlay
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["updated"] == SYNC_DAY
    (row, *bundled_rows) = _entry(document, SONNET_45)["lifecycle"]
    assert row == {
        "regions": ["eu-central-1", "us-east-1", "us-west-2"],
        "legacy": "2026-10-08", "extended_access": "2027-01-08", "eol": "2027-04-08",
        "confidence": "confirmed",
        "sources": [{"url": sync.API_URL, "date": SYNC_DAY}],
    }
    # The bundled row keeps its other 28 regions and its own source.
    (kept,) = bundled_rows
    assert len(kept["regions"]) == 28 and not set(REGIONS) & set(kept["regions"])
    assert "API_ListFoundationModels" not in kept["sources"][0]["url"]


def test_active_models_without_dates_are_entries_without_rows(overlay):
    path, _ = overlay
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _entry(document, "qwen.qwen4-32b-v1:0") == {
        "id": "qwen.qwen4-32b-v1:0", "name": "Qwen4 32B", "provider": "Qwen"}
    # A known model keeps the bundled name; the context-window variant is its version.
    assert _entry(document, "amazon.nova-pro-v1:0") == {
        "id": "amazon.nova-pro-v1:0", "name": "Nova Pro", "provider": "Amazon"}
    assert not any(model["id"].endswith(":300k") for model in document["models"])


def test_per_region_dates_and_kept_bundled_rows(overlay):
    path, _ = overlay
    catalog = load_catalog([path])
    day = D("2026-11-28")
    frankfurt = catalog.phase(HAIKU_3, "on-demand", "eu-central-1", day)
    assert (frankfurt.state, frankfurt.eol_date, frankfurt.regions) == (
        "extended-access", D("2027-03-10"), ("eu-central-1",))
    # Regions the sync did not ask about keep the bundled dates, and so do regions that no
    # longer list the model (us-east-1: past its EOL there).
    dublin = catalog.phase(HAIKU_3, "on-demand", "eu-west-1", day)
    assert (dublin.state, dublin.eol_date) == ("eol", D("2026-09-10"))
    virginia = catalog.phase(HAIKU_3, "on-demand", "us-east-1", day)
    assert (virginia.state, virginia.eol_date) == ("eol", D("2026-09-10"))
    assert catalog.phase(HAIKU_3, "on-demand", "us-gov-west-1", day).state == "eol"
    assert catalog.find(HAIKU_3).replacement == "anthropic.claude-haiku-4-5-20251001-v1:0"
    # The EOL timestamp 2026-12-15T08:00Z is a calendar day in UTC.
    assert catalog.phase(MARENGO, "on-demand", "us-east-1", day).eol_date == D("2026-12-15")


def test_legacy_without_a_date_is_observed_legacy_by_the_sync_date(overlay):
    path, _ = overlay
    catalog = load_catalog([path])
    phase = catalog.phase("meta.llama3-8b-instruct-v1:0", "on-demand", "us-west-2", D(SYNC_DAY))
    assert (phase.state, phase.legacy_date, phase.confidence) == ("legacy", D(SYNC_DAY), "observed")
    assert catalog.phase("meta.llama3-8b-instruct-v1:0", "on-demand", "us-east-1", D(SYNC_DAY)).state == "active"


def test_differences_from_the_bundled_catalog(overlay):
    _, out = overlay
    assert [line for line in out.splitlines() if not line.startswith("not listed in ")] == [
        "new model openai.gpt-oss-240b-1:0 (gpt-oss-240b, OpenAI) in us-west-2: ACTIVE",
        "new model qwen.qwen4-32b-v1:0 (Qwen4 32B, Qwen) in us-east-1, us-west-2: ACTIVE",
        f"changed {HAIKU_3} in eu-central-1: EOL 2026-09-10 -> 2027-03-10",
        "changed meta.llama3-8b-instruct-v1:0 in us-west-2: legacy none -> 2026-11-28",
        f"changed {MARENGO} in us-east-1: EOL 2026-11-30 -> 2026-12-15",
        "9 models listed in 3 regions: 2 new, 3 with changed dates",
    ]


def test_catalog_active_models_a_region_does_not_list(overlay):
    """The API has no EOL status: a version retired in a region just disappears from it."""
    _, out = overlay
    unlisted = {line.split(":")[0].removeprefix("not listed in "): line.split("): ", 1)[1].split(", ")
                for line in out.splitlines() if line.startswith("not listed in ")}
    assert set(unlisted) == set(REGIONS)
    virginia = unlisted["us-east-1"]
    assert "anthropic.claude-sonnet-4-6" in virginia and "amazon.nova-2-sonic-v1:0" in virginia
    # Listed there (under a variant too), or not Active there: not reported.
    assert "amazon.nova-pro-v1:0" not in virginia and HAIKU_3 not in virginia
    assert "anthropic.claude-haiku-4-5-20251001-v1:0" not in virginia
    assert not any(model_id.startswith("unmapped:") for model_id in virginia)
    assert virginia == sorted(virginia)


def test_scan_accepts_the_overlay(overlay):
    """Marengo's EOL moved in us-east-1: with the overlay the embedding model is in extended
    access on 2026-12-01, not EOL."""
    path, _ = overlay
    main = FIXTURES / "catalog" / "marengo.tf"
    args = (str(main), "--as-of", "2026-12-01", "--region", "us-east-1")
    _, bundled = scan_json(*args)
    assert [f["rule_id"] for f in bundled["findings"]] == ["BDR001"]
    code, synced = scan_json(*args, "--catalog", str(path))
    assert code == 0
    (finding,) = by_rule(synced, "BDR007")
    assert (finding["eol_date"], finding["region"]) == ("2026-12-15", "us-east-1")
    assert MARENGO in synced["catalog"]["overrides"]


def test_overlay_on_stdout_and_differences_on_stderr(stubbed):
    stubbed({"us-west-2": _response("us-west-2")})
    code, out, err = _run("--region", "us-west-2", "--as-of", SYNC_DAY)
    assert code == 0
    assert out.startswith("# Written by `iac-check catalog sync` on 2026-11-28 from Bedrock ListFoundationModels "
                          "in us-west-2.\n")
    assert yaml.safe_load(out)["schema_version"] == 1
    assert err.splitlines()[-1] == "6 models listed in 1 region: 2 new, 1 with changed dates"


def test_active_without_dates_where_the_catalog_has_dates(stubbed):
    """Bedrock saying "Active, nothing scheduled" in a region the catalog dates is news: the
    overlay gets a dateless row there, so that region is Active."""
    summary = _response("eu-central-1")["modelSummaries"][2]
    summary["modelLifecycle"] = {"status": "ACTIVE"}
    stubbed({"eu-central-1": {"modelSummaries": [summary]}})
    code, out, err = _run("--region", "eu-central-1", "--as-of", SYNC_DAY)
    assert code == 0
    (row, *_) = _entry(yaml.safe_load(out), HAIKU_3)["lifecycle"]
    assert (row["regions"], "eol" in row) == (["eu-central-1"], False)
    assert f"changed {HAIKU_3} in eu-central-1: legacy 2026-03-10 -> none, extended access 2026-06-10 -> none, " \
           "EOL 2026-09-10 -> none" in err


# --------------------------------------------------------------------------- failures


def test_no_credentials_is_one_line_with_the_fix(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "BOTO_CONFIG"):
        monkeypatch.setenv(name, str(tmp_path / "absent"))
    code, out, err = _run("--region", "us-east-1", "--as-of", SYNC_DAY)
    assert (code, out) == (2, "")
    assert err.startswith("iac-check: error: catalog sync: no AWS credentials: run `aws configure`")
    assert err.count("\n") == 1


def test_api_error_is_one_line(stubbed, monkeypatch):
    def clients(regions):
        client = botocore.session.get_session().create_client("bedrock", region_name="us-east-1")
        stubber = Stubber(client)
        stubber.add_client_error("list_foundation_models", "AccessDeniedException",
                                 "User is not authorized to perform: bedrock:ListFoundationModels", 403)
        stubber.activate()
        return {"us-east-1": client}

    monkeypatch.setattr(sync, "bedrock_clients", clients)
    code, _, err = _run("--region", "us-east-1", "--as-of", SYNC_DAY)
    assert (code, err) == (2, "iac-check: error: catalog sync: us-east-1: AccessDeniedException: User is not "
                              "authorized to perform: bedrock:ListFoundationModels\n")


def test_botocore_without_lifecycle_dates_is_refused(monkeypatch):
    monkeypatch.setattr(sync, "LIFECYCLE_FIELD", "noSuchField")
    code, _, err = _run("--region", "us-east-1", "--as-of", SYNC_DAY)
    assert (code, err) == (2, "iac-check: error: catalog sync needs botocore>=1.42.58 for the lifecycle dates: "
                              "pip install 'iac-check[aws]'\n")


def test_no_region_anywhere(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    code, _, err = _run("--as-of", SYNC_DAY)
    assert (code, err) == (2, "iac-check: error: catalog sync: no region: pass --region R (repeatable) "
                              "or set AWS_REGION\n")


def test_every_client_has_connect_and_read_timeouts_and_retries_with_backoff():
    clients = sync.bedrock_clients(["us-east-1", "eu-west-1"])
    for client in clients.values():
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (sync.CONNECT_TIMEOUT_SECONDS,
                                                                 sync.READ_TIMEOUT_SECONDS)
        assert config.retries == {"mode": "standard", "total_max_attempts": sync.MAX_ATTEMPTS}
    assert 0 < sync.CONNECT_TIMEOUT_SECONDS <= sync.READ_TIMEOUT_SECONDS <= 60


def test_a_read_timeout_is_one_line(monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    def clients(regions):
        client = botocore.session.get_session().create_client("bedrock", region_name="us-east-1")

        def hang(**_kwargs):
            raise ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com/foundation-models")

        monkeypatch.setattr(client, "list_foundation_models", hang)
        return {"us-east-1": client}

    monkeypatch.setattr(sync, "bedrock_clients", clients)
    code, out, err = _run("--region", "us-east-1", "--as-of", SYNC_DAY)
    assert (code, out) == (2, "")
    assert err.startswith("iac-check: error: catalog sync: us-east-1: Read timeout") and err.count("\n") == 1
