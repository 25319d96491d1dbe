"""Numbers and plurals of the report: English and Russian, as a teacher would write them."""

from __future__ import annotations

import pytest

from compare.study.blocks import interval, num, pct, pct_interval
from compare.study.i18n import noun, plural_form, quantity


@pytest.mark.parametrize(("value", "text"), [
    (1, "1 эпоха"), (2, "2 эпохи"), (4, "4 эпохи"), (5, "5 эпох"), (11, "11 эпох"), (12, "12 эпох"),
    (14, "14 эпох"), (21, "21 эпоха"), (22, "22 эпохи"), (25, "25 эпох"), (0, "0 эпох"), (101, "101 эпоха"),
    (111, "111 эпох"), (112, "112 эпох"), (1000, "1000 эпох"), (42.5, "42,5 эпохи"), (1.5, "1,5 эпохи"),
    (300.0, "300 эпох"), (21.0, "21 эпоха"), (138.5, "138 эпох"), (1001.5, "1002 эпохи"), (0.5, "0,5 эпохи"),
])
def test_russian_plural_of_epochs(value, text):
    assert quantity(value, "epoch", "ru") == text


def test_russian_plural_of_other_nouns_and_english():
    assert [quantity(n, "run", "ru") for n in (1, 3, 300)] == ["1 запуск", "3 запуска", "300 запусков"]
    assert [quantity(n, "network", "ru") for n in (1, 2, 30)] == ["1 сеть", "2 сети", "30 сетей"]
    assert [quantity(v, "times", "ru") for v in (2, 5, 4.47)] == ["2 раза", "5 раз", "4,47 раза"]
    assert [quantity(v, "epoch", "en") for v in (1, 2, 42.5)] == ["1 epoch", "2 epochs", "42.5 epochs"]
    assert noun("pair", 45, "ru") == "пар" and plural_form(1, "en") == 0 and quantity(None, "epoch", "ru") == "—"


@pytest.mark.parametrize(("value", "en", "ru"), [
    (0.0012345, "0.00123", "0,00123"), (42.5, "42.5", "42,5"), (5.5e-16, "5.5e-16", "5,5·10⁻¹⁶"),
    (1.26e-11, "1.26e-11", "1,26·10⁻¹¹"), (123456.0, "1.23e+05", "1,23·10⁵"), (0.001, "0.001", "0,001"),
    (3.0, "3", "3"), (12345, "12345", "12\u00a0345"), (1234, "1234", "1234"), (-3.25, "-3.25", "−3,25"),
    (None, "—", "—"), (0.0, "0", "0"), (2.95, "2.95", "2,95"), (0.295, "0.295", "0,295"), (169.0, "169", "169"),
])
def test_numbers_in_both_languages(value, en, ru):
    assert num(value, "en") == en and num(value, "ru") == ru


def test_shares_and_intervals():
    assert [pct(v) for v in (0.95, 0.0, 1.0, 0.003, 0.997, None)] == ["95%", "0%", "100%", "<1%", ">99%", "—"]
    assert interval(44, 49.5, "en") == "[44, 49.5]" and interval(44, 49.5, "ru") == "[44; 49,5]"
    assert pct_interval(0.9, 0.98, "ru") == "[90%; 98%]"
