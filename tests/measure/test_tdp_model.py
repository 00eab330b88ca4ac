from __future__ import annotations

import pytest

from joulebench.measure import tdp_table
from joulebench.measure.cpu_model import lookup_tdp_w, normalize_cpu_name


@pytest.mark.parametrize(
    ("name", "tdp"),
    [
        ("AMD EPYC 7763 64-Core Processor", 280.0),
        ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 270.0),
        ("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 95.0),
        ("AMD Ryzen 9 5950X 16-Core Processor", 105.0),
        ("intel xeon gold 6248", 150.0),  # already a key: the exact dict
        ("Intel(R) Xeon(R) Processor", None),
        ("Intel(R) Core(TM) i7-1365U", None),  # table has only 1365UE: no false match
    ],
)
def test_tdp_lookup(name, tdp):
    match = lookup_tdp_w(name)
    assert (match[0] if match else None) == tdp


def test_fuzzy_match_takes_the_longest_key_sharing_a_model_number():
    # not a key (extra words) but contains all words of 'intel xeon gold 6248'
    assert lookup_tdp_w("Intel Xeon Gold 6248 Engineering Sample") == (150.0, "intel xeon gold 6248")


def test_normalize():
    assert normalize_cpu_name("13th Gen Intel(R) Core(TM) i9-13900K") == "intel core i9-13900k"


def test_a_miss_looks_only_at_keys_sharing_a_model_number():
    table = tdp_table._tdp_table()
    assert len(table) > 4000
    candidates = tdp_table.fuzzy_candidates(normalize_cpu_name("Intel(R) Xeon(R) Gold 6248 CPU"))
    assert "intel xeon gold 6248" in candidates and len(candidates) < 20
    assert tdp_table.fuzzy_candidates("intel xeon") == set()  # no model number: no pass at all


def test_hits_and_misses_are_cached_per_name():
    lookup_tdp_w.cache_clear()
    for _ in range(1000):
        assert lookup_tdp_w("Mystery Chip 12345") is None
        assert lookup_tdp_w("AMD EPYC 7763 64-Core Processor") == (280.0, "amd epyc 7763")
    info = lookup_tdp_w.cache_info()
    assert (info.misses, info.hits) == (2, 1998)  # one real look-up per name
