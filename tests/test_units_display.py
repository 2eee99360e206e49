"""The one formatting module: durations, clocks, sizes and rates for display."""

from __future__ import annotations

import pytest

from sandbox.scenario import units as U


def test_display_forms():
    assert U.format_ns(5_036_000) == "5.036 ms" and U.format_ns(800) == "800 ns"
    assert U.format_ns(-2_000_000_000) == "-2.000 s"
    assert U.format_latency(50_000) == "50µs" and U.format_latency(5_000_000) == "5ms"
    assert U.format_skew(4_100_000) == "+4.1 ms" and U.format_skew(-350_000) == "-350 µs"
    assert U.format_skew(0) == "±0"
    assert U.format_clock(1_204_000_000, 4_100_000) == "1.204 s (+4.1 ms)"
    assert U.format_clock(1_204_000_000, 0) == "1.204 s"
    assert U.format_seconds(1_234_000_000) == "1.234 s"
    assert [U.time_digits(d) for d in (2 * 10**9, 2 * 10**6, 2000)] == [3, 6, 9]
    assert U.format_percent(0.005) == "0.5%"
    assert [U.format_speed(s) for s in (1, 0.25, 3.2, 10000)] == ["1x", "0.25x", "3.2x", "10000x"]
    assert U.format_bytes(4096) == "4 KiB" and U.format_bytes(1536 * 1024) == "1.5 MiB"
    assert U.format_bandwidth(100e6) == "100 Mbit/s" and U.format_bandwidth(10) == "10 bit/s"


@pytest.fixture
def comma():
    U.set_decimal_point(",")
    yield
    U.set_decimal_point(".")


def test_a_language_with_a_decimal_comma(comma):
    assert U.format_ns(1_500_000) == "1,500 ms"
    assert U.format_skew(4_100_000) == "+4,1 ms"
    assert U.format_percent(0.005) == "0,5%"
    assert U.format_bytes(1536 * 1024) == "1,5 MiB"
    # what files and the command line read back keeps the point
    assert U.format_duration(1_500_000) == "1.5ms"
    assert U.parse_duration(U.format_duration(1_500_000)) == 1_500_000


def test_format_number_rounds_large_means_instead_of_an_exponent():
    from sandbox.scenario.units import format_number

    assert format_number(1000.0) == "1000"
    assert format_number(123456.7) == "123457"
    assert format_number(0.25) == "0.25"
    assert format_number(2.0) == "2"
    assert format_number(3e20) == "3e+20"
