"""``zkpov circuit info`` prints parseable ``name: value`` lines matching the circuit."""

from __future__ import annotations

from click.testing import CliRunner

from zkpov.cli import main
from zkpov.crypto import snark

REQUIRED = ("constraint_count", "witness_count", "public_input_count", "proving_key_size")
GADGETS = ("poseidon", "merkle_path", "signature", "range_check")


def parse(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


def test_info_prints_every_field_as_name_value() -> None:
    result = CliRunner().invoke(main, ["circuit", "info", "--batch-size", "2", "--depth", "8"])
    assert result.exit_code == 0, result.output
    fields = parse(result.output)
    for name in REQUIRED + GADGETS:
        assert int(fields[name]) > 0
    assert fields["public_input_count"] == "3"
    assert fields["circuit_id"] == snark.CircuitConfig(2, 8).circuit_id
    assert int(fields["merkle_path"]) == 4 * 302  # 4 levels of a 4-ary tree at depth 8


def test_proving_key_size_matches_a_real_setup() -> None:
    config = snark.CircuitConfig(1, 2)
    pk, _ = snark.insecure_setup(config, b"size")
    args = ["circuit", "info", "--batch-size", "1", "--depth", "2"]
    fields = parse(CliRunner().invoke(main, args).output)
    stats = snark.get_circuit_stats(config)
    assert int(fields["proving_key_size"]) == stats.proving_key_size
    # The cache holds the uncompressed key: twice the compressed size, less the length prefixes.
    assert len(pk.to_bytes()) == 2 * stats.proving_key_size - 6 * 8


def test_bad_config_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["circuit", "info", "--depth", "7"])
    assert result.exit_code == 2
    assert "tree depth" in result.output
