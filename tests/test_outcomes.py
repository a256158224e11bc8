"""The card's state machine as pure functions, without a database: every state against every outcome."""

import pytest

from routing.outcomes import BY_CODE, CODES, STATES, CardState, next_state, parse_outcome, reopened

#: What each outcome does to a planned card with (attempts, max_attempts): (state, attempts) after it.
PLANNED = {
    # (code, attempts, max_attempts): (state, attempts)
    **{("DT", a, m): ("delivered", a) for a, m in ((0, 2), (1, 2), (0, 0))},
    **{("MD", a, m): ("cancelled", a) for a, m in ((0, 2), (1, 2), (0, 0))},
    **{(code, 0, 2): ("failed", 1) for code in ("TR", "PA", "AT", "MN")},
    **{(code, 1, 2): ("pickup", 2) for code in ("TR", "PA", "AT", "MN")},   # the second failure: ambil di kantor
    **{(code, 0, 0): ("pickup", 1) for code in ("TR", "PA", "AT", "MN")},   # max_attempts 0: straight to the office
}
CASES = [(state, code, a, m) for state in STATES for code in CODES for a, m in ((0, 2), (1, 2), (0, 0))]


@pytest.mark.parametrize("state, code, attempts, max_attempts", CASES)
def test_next_state_of_every_state_and_outcome(state, code, attempts, max_attempts):
    after = next_state(state, attempts, BY_CODE[code], max_attempts)
    if state == "planned":
        assert after == CardState(*PLANNED[code, attempts, max_attempts])
    else:  # only a card out for delivery has an outcome
        assert after is None


@pytest.mark.parametrize("code", CODES)
def test_a_corrected_outcome_reopens_the_card_without_its_own_failed_attempt(code):
    outcome = BY_CODE[code]
    failed = outcome.state == "failed"
    assert reopened(2, outcome) == CardState("planned", 2 - failed)
    assert reopened(0, outcome) == CardState("planned", 0)
    # Reopened and given the same outcome again, the card is where the outcome had put it.
    after = next_state("planned", 1, outcome, 3)
    again = reopened(after.attempts, outcome)
    assert next_state(again.state, again.attempts, outcome, 3) == after


@pytest.mark.parametrize("state, attempts", [("lost", 0), ("Planned", 0), ("planned", -1), ("planned", True),
                                             ("planned", 1.0)])
def test_a_state_the_ledger_cannot_hold_is_refused(state, attempts):
    with pytest.raises(ValueError):
        next_state(state, attempts, BY_CODE["TR"], 2)


@pytest.mark.parametrize("text, code", [("dt", "DT"), (" TR ", "TR"), ("tidak di rumah", "TR"), ("moved", "PA"),
                                        ("Refused", "MN"), ("meninggal", "MD"), ("HILANG", None), ("", None)])
def test_codes_and_words_are_read(text, code):
    outcome = parse_outcome(text)
    assert (outcome.code if outcome else None) == code
