"""The Python module: ids, frame validation and a local simulation, as a notebook would use them."""
import pytest

import parley


def test_snowflake_round_trip():
    sid = parley.snowflake_compose(parley.SNOWFLAKE_EPOCH_MS + 1234, 5, 17)
    assert parley.snowflake_decode(sid) == {"unix_ms": parley.SNOWFLAKE_EPOCH_MS + 1234,
                                            "node": 5, "sequence": 17}
    with pytest.raises(ValueError):
        parley.snowflake_compose(parley.SNOWFLAKE_EPOCH_MS, 1024, 0)


def test_conversation_ids():
    assert parley.direct_conversation(3, 9) == parley.direct_conversation(9, 3)
    assert parley.direct_conversation(3, 9) >= 2**63
    assert parley.group_conversation(77) == 77
    with pytest.raises(ValueError, match="invalid_value"):
        parley.direct_conversation(4, 4)


def test_validate_frame_names_the_error_code():
    assert parley.validate_frame('{"op":"ping"}') == "ping"
    with pytest.raises(ValueError, match="unknown_op"):
        parley.validate_frame('{"op":"teleport"}')
    with pytest.raises(ValueError, match="bad_json"):
        parley.validate_frame('{"op":')


def test_local_run_is_deterministic_and_lossless():
    a = parley.run_local(users=40, groups=3, group_size=8, duration_s=3, seed=11)
    b = parley.run_local(users=40, groups=3, group_size=8, duration_s=3, seed=11)
    assert a == b
    assert a["passed"] and a["sends"] > 0 and a["missing"] == 0
    c = parley.run_local(users=40, groups=3, group_size=8, duration_s=3, seed=12)
    assert c["sends"] != a["sends"] or c["delivered"] != a["delivered"]


def test_unknown_setting_is_rejected():
    with pytest.raises(TypeError, match="unknown setting 'userz'"):
        parley.run_local(userz=3)
