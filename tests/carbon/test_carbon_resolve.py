from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from joulebench.carbon import dataset_version, grid, resolve, world_average
from joulebench.carbon.config import find_config
from joulebench.errors import UsageError


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolate from the developer's own config files: empty cwd and HOME."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("JOULEBENCH_CONFIG", raising=False)
    return tmp_path


def test_dataset_is_versioned_and_complete():
    data = grid.dataset()
    assert dataset_version().startswith("codecarbon-")
    assert len(data.countries) > 200
    assert {"aws:us-west-2", "gcp:europe-west9", "azure:westeurope"} <= set(data.regions)
    assert 300 < world_average().intensity_g_per_kwh < 600
    for entry in [*data.countries.values(), *data.regions.values()]:
        assert math.isfinite(entry.intensity_g_per_kwh) and entry.intensity_g_per_kwh >= 0
        assert entry.source


def test_country_lookup_matches_codecarbon():
    from importlib import resources

    path = resources.files("codecarbon").joinpath("data/private_infra/global_energy_mix.json")
    mix = json.loads(path.read_text())
    ctx = resolve(country="FRA")
    assert ctx.intensity_g_per_kwh == mix["FRA"]["carbon_intensity"]
    assert ctx.year == mix["FRA"]["year"] and ctx.region == "FRA" and ctx.pue == 1.0
    assert "Ember" in ctx.source and "FRA" in ctx.source and dataset_version() in ctx.source
    assert resolve(country="fr") == ctx  # ISO2, any case
    assert resolve(country="France") == ctx


def test_cloud_regions():
    gcp = resolve(region="gcp:europe-west9")
    assert gcp.region == "gcp:europe-west9" and "cloud.google.com" in gcp.source
    aws = resolve(region="AWS:us-west-2", pue=1.2)
    assert aws.intensity_g_per_kwh == resolve(country="USA").intensity_g_per_kwh
    assert "host country" in aws.source and aws.pue == 1.2


def test_unknown_codes_suggest():
    with pytest.raises(UsageError, match=r"unknown country code 'FRN' \(did you mean: FRA"):
        resolve(country="FRN")
    with pytest.raises(UsageError, match=r"did you mean: aws:us-west-2"):
        resolve(region="aws:us-wset-2")
    with pytest.raises(UsageError, match="provider:region"):
        resolve(region="us-west-2")


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_bad_intensity(bad: float):
    with pytest.raises(UsageError, match="grid intensity"):
        resolve(intensity_g_per_kwh=bad)


@pytest.mark.parametrize("bad", [0.99, 0.0, -1.0, math.nan, math.inf])
def test_bad_pue(bad: float):
    with pytest.raises(UsageError, match="PUE"):
        resolve(country="FRA", pue=bad)


def test_user_override():
    ctx = resolve(intensity_g_per_kwh=0, pue=1.4)
    assert ctx.intensity_g_per_kwh == 0.0 and ctx.source == "user" and ctx.pue == 1.4


def test_two_locations_is_an_error():
    with pytest.raises(UsageError, match="one of country, region"):
        resolve(country="FRA", intensity_g_per_kwh=50)


def test_default_is_world_average():
    ctx = resolve()
    assert ctx.intensity_g_per_kwh == world_average().intensity_g_per_kwh
    assert ctx.source.startswith("default world average") and ctx.pue == 1.0


def test_config_in_cwd(no_user_config: Path):
    (no_user_config / "joulebench.toml").write_text('[carbon]\ncountry = "DEU"\npue = 1.3\n')
    ctx = resolve()
    assert ctx.region == "DEU" and ctx.pue == 1.3 and "joulebench.toml" in ctx.source
    assert resolve(pue=1.1).pue == 1.1  # arguments win, field by field
    assert resolve(country="FRA").region == "FRA"
    assert resolve(country="FRA").pue == 1.3


def test_config_env_var_and_home(no_user_config: Path, monkeypatch: pytest.MonkeyPatch):
    home_cfg = no_user_config / "home" / ".config" / "joulebench" / "config.toml"
    home_cfg.parent.mkdir(parents=True)
    home_cfg.write_text("[carbon]\nintensity_g_per_kwh = 42\n")
    assert resolve().intensity_g_per_kwh == 42.0
    other = no_user_config / "other.toml"
    other.write_text('[carbon]\nregion = "gcp:europe-west9"\n')
    monkeypatch.setenv("JOULEBENCH_CONFIG", str(other))
    assert resolve().region == "gcp:europe-west9"
    monkeypatch.setenv("JOULEBENCH_CONFIG", str(no_user_config / "missing.toml"))
    with pytest.raises(UsageError, match="JOULEBENCH_CONFIG"):
        find_config()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[carbon]\ncountry = 3\n", "must be a string"),
        ("[carbon]\npue = 0.5\n", "PUE"),
        ("[carbon]\ncountri = 'FRA'\n", "did you mean: country"),
        ("[carbon\n", "cannot parse"),
        ("[carbon]\ncountry = 'XXX'\n", "unknown country code"),
    ],
)
def test_bad_config(no_user_config: Path, text: str, match: str):
    (no_user_config / "joulebench.toml").write_text(text)
    with pytest.raises(UsageError, match=match):
        resolve()


def test_config_mapping_and_path(no_user_config: Path):
    assert resolve(config={"carbon": {"country": "SWE"}}).region == "SWE"
    assert resolve(config={"pue": 1.25}).pue == 1.25
    path = no_user_config / "x.toml"
    path.write_text("[carbon]\nintensity_g_per_kwh = 7.5\n")
    ctx = resolve(config=path)
    assert ctx.intensity_g_per_kwh == 7.5 and "x.toml" in ctx.source


def test_build_script_reproduces_shipped_data(tmp_path: Path):
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "build_grid_data", root / "scripts/build_grid_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path / "out")]) == 0
    shipped = root / "src/joulebench/carbon/data"
    for name in ("grid_intensity.csv", "grid_intensity.json"):
        assert (tmp_path / "out" / name).read_text() == (shipped / name).read_text()
