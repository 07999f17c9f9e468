"""The ``zkpov`` command line. Each subcommand lives in ``zkpov.commands``."""

from __future__ import annotations

import click

from zkpov import __version__
from zkpov.commands.account import account
from zkpov.commands.circuit import circuit
from zkpov.commands.demo import demo
from zkpov.commands.devnet import devnet
from zkpov.commands.keys import keys
from zkpov.commands.node import start, status, tx
from zkpov.commands.sim import sim
from zkpov.commands.slashing import slashing
from zkpov.commands.testnet import init, testnet
from zkpov.commands.twins import twins


@click.group()
@click.version_option(__version__, prog_name="zkpov")
def main() -> None:
    """zkpov: proof-of-stake BFT consensus with Groth16 validity proofs."""


main.add_command(account)
main.add_command(circuit)
main.add_command(demo)
main.add_command(devnet)
main.add_command(init)
main.add_command(keys)
main.add_command(sim)
main.add_command(slashing)
main.add_command(start)
main.add_command(status)
main.add_command(testnet)
main.add_command(twins)
main.add_command(tx)
