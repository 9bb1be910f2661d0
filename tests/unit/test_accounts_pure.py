"""Pure parts of accounts: codes, tokens, password rules, the memory rate limit."""

import pytest

from liaison.accounts import passwords, tokens
from liaison.accounts.ratelimit import Limit, MemoryFailureCounter
from liaison.accounts.store import login_base
from liaison.storage.migrations import discover


def test_activation_codes_are_readable_and_normalised():
    code = tokens.new_activation_code()
    assert len(code) == 14 and code.count("-") == 2
    assert not set(code.replace("-", "")) & set("0O1IL5S2Z")
    assert tokens.normalise_activation_code(code.lower().replace("-", " ")) == code
    assert tokens.normalise_activation_code(f"  {code.replace('-', '')} ") == code


def test_codes_and_tokens_do_not_repeat():
    assert len({tokens.new_activation_code() for _ in range(2000)}) == 2000
    assert len({tokens.new_session_token() for _ in range(2000)}) == 2000


def test_csrf_token_is_bound_to_session_and_key():
    a, b = tokens.digest("session-a"), tokens.digest("session-b")
    assert tokens.csrf_token("k" * 32, a) == tokens.csrf_token("k" * 32, a)
    assert tokens.csrf_token("k" * 32, a) != tokens.csrf_token("k" * 32, b)
    assert tokens.csrf_token("k" * 32, a) != tokens.csrf_token("j" * 32, a)


@pytest.mark.parametrize(
    ("password", "acceptable"),
    [
        ("court", False),
        ("1234567890", False),
        ("azertyuiop", False),
        ("aaaaaaaaaaaaaa", False),
        ("claire.martin-2026", False),  # contains the login
        ("cahier-de-liaison-2026", True),
        ("Le chat dort au soleil", True),
        ("x" * 201, False),
    ],
)
def test_password_rules(password, acceptable):
    problem = passwords.password_problem(password, login="claire.martin")
    assert (problem is None) is acceptable
    if problem:
        assert problem.startswith(("Le mot de passe", "Ce mot de passe"))


def test_login_base():
    assert login_base("Élodie", "N'Diaye-Martin") == "elodie.ndiaye-martin"
    assert login_base("Jean Pierre", "Le Gall") == "jean-pierre.le-gall"
    assert login_base("", "") == "utilisateur"
    assert login_base("李", "") == "utilisateur"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_memory_failure_counter_window():
    clock = Clock()
    counter = MemoryFailureCounter(clock)
    claire = [("claire", Limit("login", 3, 60))]
    for _ in range(3):
        assert await counter.attempt(claire) == 0  # counted before the check
    assert await counter.attempt(claire) == 60
    assert await counter.attempt([("paul", Limit("login", 3, 60))]) == 0
    clock.now += 59.5
    assert await counter.attempt(claire) == 1
    clock.now += 1
    assert await counter.attempt(claire) == 0  # a new window starts
    await counter.give_back(claire)  # a success: uncounted
    for _ in range(3):
        assert await counter.attempt(claire) == 0
    assert await counter.attempt(claire) > 0
    await counter.reset(*claire[0])
    assert await counter.attempt(claire) == 0


async def test_a_refused_attempt_counts_on_no_key():
    counter = MemoryFailureCounter(Clock())
    pair, login = ("claire\n1.2.3.4", Limit("pair", 2, 60)), ("claire", Limit("login", 5, 60))
    assert await counter.attempt([pair, login]) == 0
    assert await counter.attempt([pair, login]) == 0
    for _ in range(10):  # held back on the pair: the login's ceiling does not move
        assert await counter.attempt([pair, login]) > 0
    other = ("claire\n5.6.7.8", Limit("pair", 2, 60))
    assert await counter.attempt([other, login]) == 0
    assert await counter.attempt([other, login]) == 0
    third = ("claire\n9.9.9.9", Limit("pair", 2, 60))
    assert await counter.attempt([third, login]) == 0  # 5th on the login
    assert await counter.attempt([third, login]) == 60  # the ceiling


def test_migrations_are_numbered_once_and_owned_by_capabilities():
    migrations = discover()
    versions = [m.version for m in migrations]
    assert versions == sorted(set(versions))
    assert all("/" in m.name for m in migrations)  # capability/NNNN_name.sql
