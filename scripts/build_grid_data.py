"""Regenerate joulebench's grid-intensity dataset from the installed codecarbon package.

Usage::

    .venv/bin/python scripts/build_grid_data.py [--out src/joulebench/carbon/data]

Inputs (all bundled by codecarbon, MIT licence):

- ``codecarbon/data/private_infra/global_energy_mix.json``: annual electricity mix and
  carbon intensity per country (ISO 3166-1 alpha-3), from Our World in Data's energy
  dataset, whose intensity figures come from Ember (both CC BY 4.0);
- ``codecarbon/data/cloud/impact.csv``: Google Cloud per-region intensities;
- ``pycountry`` (a codecarbon dependency) for ISO alpha-2 codes.

AWS and Azure publish no location-based per-region figure in codecarbon 3.x, so their
regions map to the host country's annual average (``HOST_COUNTRY`` below, maintained by
hand from the providers' region lists) and say so in their ``source``.

Outputs: ``grid_intensity.csv`` (one row per country or cloud region) and
``grid_intensity.json`` (dataset version, world average, provenance).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from importlib import metadata, resources
from pathlib import Path

# Bump the suffix when the table changes without a codecarbon upgrade.
VERSION_SUFFIX = "1"

# fmt: off
HOST_COUNTRY: dict[str, dict[str, str]] = {
    "aws": {
        "us-east-1": "USA", "us-east-2": "USA", "us-west-1": "USA", "us-west-2": "USA",
        "us-gov-east-1": "USA", "us-gov-west-1": "USA", "ca-central-1": "CAN",
        "ca-west-1": "CAN", "sa-east-1": "BRA", "mx-central-1": "MEX",
        "eu-west-1": "IRL", "eu-west-2": "GBR", "eu-west-3": "FRA", "eu-central-1": "DEU",
        "eu-central-2": "CHE", "eu-north-1": "SWE", "eu-south-1": "ITA", "eu-south-2": "ESP",
        "ap-northeast-1": "JPN", "ap-northeast-2": "KOR", "ap-northeast-3": "JPN",
        "ap-southeast-1": "SGP", "ap-southeast-2": "AUS", "ap-southeast-3": "IDN",
        "ap-southeast-4": "AUS", "ap-southeast-5": "MYS", "ap-south-1": "IND",
        "ap-south-2": "IND", "ap-east-1": "HKG", "me-south-1": "BHR", "me-central-1": "ARE",
        "il-central-1": "ISR", "af-south-1": "ZAF", "cn-north-1": "CHN",
        "cn-northwest-1": "CHN",
    },
    "azure": {
        "eastus": "USA", "eastus2": "USA", "centralus": "USA", "northcentralus": "USA",
        "southcentralus": "USA", "westcentralus": "USA", "westus": "USA", "westus2": "USA",
        "westus3": "USA", "canadacentral": "CAN", "canadaeast": "CAN", "brazilsouth": "BRA",
        "mexicocentral": "MEX", "northeurope": "IRL", "westeurope": "NLD", "uksouth": "GBR",
        "ukwest": "GBR", "francecentral": "FRA", "francesouth": "FRA",
        "germanywestcentral": "DEU", "germanynorth": "DEU", "swedencentral": "SWE",
        "switzerlandnorth": "CHE", "switzerlandwest": "CHE", "norwayeast": "NOR",
        "norwaywest": "NOR", "polandcentral": "POL", "italynorth": "ITA",
        "spaincentral": "ESP", "eastasia": "HKG", "southeastasia": "SGP", "japaneast": "JPN",
        "japanwest": "JPN", "koreacentral": "KOR", "koreasouth": "KOR",
        "centralindia": "IND", "southindia": "IND", "westindia": "IND",
        "australiaeast": "AUS", "australiasoutheast": "AUS", "australiacentral": "AUS",
        "southafricanorth": "ZAF", "southafricawest": "ZAF", "uaenorth": "ARE",
        "uaecentral": "ARE", "qatarcentral": "QAT", "israelcentral": "ISR",
    },
}
# fmt: on

FIELDS = ("key", "kind", "iso3", "iso2", "name", "intensity_g_per_kwh", "year", "source")
OWID = "Our World in Data / Ember"


def _codecarbon_file(*parts: str) -> Path:
    return Path(str(resources.files("codecarbon").joinpath("data", *parts)))


def _iso2(iso3: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country is not None else ""


def build_rows() -> tuple[list[dict[str, str]], dict[str, object]]:
    mix = json.loads(_codecarbon_file("private_infra", "global_energy_mix.json").read_text())
    rows: list[dict[str, str]] = []
    countries: dict[str, dict[str, object]] = {}
    for iso3 in sorted(mix):
        entry = mix[iso3]
        year = int(entry["year"])
        countries[iso3] = entry
        rows.append(
            {
                "key": iso3,
                "kind": "country",
                "iso3": iso3,
                "iso2": _iso2(iso3),
                "name": str(entry["country_name"]),
                "intensity_g_per_kwh": repr(float(entry["carbon_intensity"])),
                "year": str(year),
                "source": f"{OWID} {year} annual average ({iso3})",
            }
        )
    with _codecarbon_file("cloud", "impact.csv").open(encoding="utf-8-sig", newline="") as f:
        for rec in csv.DictReader(f):
            key = f"{rec['provider']}:{rec['region']}"
            rows.append(
                {
                    "key": key,
                    "kind": "cloud",
                    "iso3": rec["countryIsoCode"],
                    "iso2": "",
                    "name": f"{rec['city'] or rec['country_name']} ({rec['provider']})",
                    "intensity_g_per_kwh": repr(float(rec["impact"])),
                    "year": "",
                    "source": f"{rec['source']} via codecarbon ({key})",
                }
            )
    for provider, regions in HOST_COUNTRY.items():
        for region, iso3 in sorted(regions.items()):
            c = countries[iso3]
            key = f"{provider}:{region}"
            rows.append(
                {
                    "key": key,
                    "kind": "cloud",
                    "iso3": iso3,
                    "iso2": "",
                    "name": f"{c['country_name']} ({provider})",
                    "intensity_g_per_kwh": repr(float(c["carbon_intensity"])),
                    "year": str(c["year"]),
                    "source": f"{OWID} {c['year']} annual average ({iso3}), host country of {key}",
                }
            )
    total_twh = sum(float(c["total_TWh"]) for c in countries.values())
    world = sum(float(c["carbon_intensity"]) * float(c["total_TWh"]) for c in countries.values())
    years = sorted({int(c["year"]) for c in countries.values()})
    cc_version = metadata.version("codecarbon")
    meta: dict[str, object] = {
        "version": f"codecarbon-{cc_version}.{VERSION_SUFFIX}",
        "generated_from": f"codecarbon {cc_version} (global_energy_mix.json, cloud/impact.csv)",
        "unit": "gCO2eq/kWh",
        "world": {
            "intensity_g_per_kwh": round(world / total_twh, 1),
            "year": max(years),
            "source": (
                f"world average: generation-weighted mean of {len(countries)} country "
                f"figures ({OWID} {min(years)}-{max(years)}, {total_twh:.0f} TWh)"
            ),
        },
    }
    return rows, meta


def main(argv: list[str] | None = None) -> int:
    default_out = Path(__file__).resolve().parents[1] / "src/joulebench/carbon/data"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)
    rows, meta = build_rows()
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "grid_intensity.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "grid_intensity.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {len(rows)} rows, version {meta['version']}, to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
