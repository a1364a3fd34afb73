"""Hour-accounting rules with worked examples: which transfers owe pre-service
training under a jurisdiction's rule (policy data)."""

from __future__ import annotations

from datetime import date

from cwp_training.compliance.rules import transfer_owes_pre_service
from cwp_training.policy.rules import resolve


def test_which_transfers_owe_pre_service_training() -> None:
    gd, gd_other_city, sh = "440103001001", "440303001001", "310101002001"
    assert transfer_owes_pre_service("other_province", sh, gd)
    assert not transfer_owes_pre_service("other_province", gd_other_city, gd)
    assert transfer_owes_pre_service("other_prefecture", gd_other_city, gd)
    assert not transfer_owes_pre_service("other_county", "440103002001", gd)
    assert transfer_owes_pre_service("always", "440103001002", gd)
    assert not transfer_owes_pre_service("never", sh, gd)
    assert resolve(gd, date(2025, 1, 1)).pre_service.on_transfer == "other_province"
    assert resolve(sh, date(2025, 1, 1)).pre_service.on_transfer == "never"
