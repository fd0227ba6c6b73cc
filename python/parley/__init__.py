"""parley: drive the chat core and its simulator from Python.

    import parley
    summary = parley.run_local(users=100, duration_s=5, seed=7)
    assert summary["passed"]
"""
from . import _parley
from ._parley import (SNOWFLAKE_EPOCH_MS, direct_conversation, group_conversation,
                      snowflake_compose, snowflake_decode, validate_frame)

__all__ = ["run_local", "snowflake_decode", "snowflake_compose", "direct_conversation",
           "group_conversation", "validate_frame", "SNOWFLAKE_EPOCH_MS"]

_FIELDS = {"seed", "users", "devices_per_user", "groups", "group_size",
           "messages_per_user_per_s", "group_share"}


def run_local(duration_s=10, **settings):
    """Run the local engine: one node of the real core, simulated clients, every message checked.

    Keyword arguments name LocalRunConfig fields (seed, users, devices_per_user, groups,
    group_size, messages_per_user_per_s, group_share). Returns the summary dict.
    """
    config = _parley.LocalRunConfig()
    for key, value in settings.items():
        if key not in _FIELDS:
            raise TypeError(f"run_local: unknown setting '{key}' (known: {', '.join(sorted(_FIELDS))})")
        setattr(config, key, value)
    if duration_s <= 0:
        raise ValueError("run_local: duration_s must be positive")
    config.duration_ms = int(duration_s * 1000)
    return _parley.run_local(config)
