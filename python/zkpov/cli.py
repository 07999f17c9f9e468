"""The ``zkpov`` command line. Each subcommand lives in ``zkpov.commands``.

Every failure ends as one line on stderr (``zkpov.commands.failures``): exit code 1, or 2 for a
usage mistake.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from zkpov import __version__
from zkpov.commands.account import account
from zkpov.commands.ceremony import ceremony
from zkpov.commands.circuit import circuit
from zkpov.commands.demo import demo
from zkpov.commands.devnet import devnet
from zkpov.commands.evm import evm
from zkpov.commands.failures import EXPECTED, describe_failure, is_debug, to_one_line
from zkpov.commands.keys import keys
from zkpov.commands.light import light
from zkpov.commands.node import start, status, tx
from zkpov.commands.prover_worker import prover_worker
from zkpov.commands.sim import sim
from zkpov.commands.slashing import slashing
from zkpov.commands.stake import stake
from zkpov.commands.testnet import init, testnet
from zkpov.commands.twins import twins


def _fail(err: BaseException, code: int) -> NoReturn:
    if is_debug():
        raise err
    click.echo(f"error: {to_one_line(describe_failure(err))}", err=True)
    sys.exit(code)


class ZkpovCli(click.Group):
    """A group whose failures are one line on stderr (see ``zkpov.commands.failures``)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as err:  # a usage mistake exits with 2
            _fail(err, err.exit_code)
        except click.Abort:  # Ctrl-C at a prompt
            _fail(click.ClickException("interrupted"), 1)
        except EXPECTED as err:
            _fail(err, 1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # click would print a blank line first
            raise click.ClickException("interrupted") from None


@click.group(cls=ZkpovCli)
@click.version_option(__version__, prog_name="zkpov")
def main() -> None:
    """zkpov: proof-of-stake BFT consensus with Groth16 validity proofs."""


main.add_command(account)
main.add_command(ceremony)
main.add_command(circuit)
main.add_command(demo)
main.add_command(devnet)
main.add_command(evm)
main.add_command(init)
main.add_command(keys)
main.add_command(light)
main.add_command(prover_worker)
main.add_command(sim)
main.add_command(slashing)
main.add_command(stake)
main.add_command(start)
main.add_command(status)
main.add_command(testnet)
main.add_command(twins)
main.add_command(tx)
