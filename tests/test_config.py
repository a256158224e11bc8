"""Settings from TOML: the search time at households located only by desa or dusun."""

import pytest

from routing.config import Settings, load_settings
from routing.errors import InputError


def test_search_time_default_and_from_toml(tmp_path):
    assert Settings().search_s == 300
    cfg = tmp_path / "c.toml"
    cfg.write_text("search_s = 600\n", encoding="utf-8")
    assert load_settings(cfg).search_s == 600
    cfg.write_text("search_s = -60\n", encoding="utf-8")
    with pytest.raises(InputError, match="search_s must be a whole number >= 0, got -60"):
        load_settings(cfg)
