"""An in-process EVM: eth-tester's py-evm backend on the Prague fork (EIP-2537 precompiles).

``LocalChain.call`` runs a contract call as a transaction that is executed and rolled back
(``transact`` then mines it, for calls that change state), and reports its return value with
its *execution gas*: what the EVM spent on the call itself, without the 21,000 transaction base
cost and the calldata cost. It uses eth-tester's own
execute-and-revert helper (versions are pinned in the ``evm`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkpov.errors import ContractRevertedError, EvmError
from zkpov.evm.compiler import import_evm_package

__all__ = ["CallResult", "LocalChain"]

CALL_GAS_LIMIT = 30_000_000


@dataclass(frozen=True)
class CallResult:
    value: Any
    execution_gas: int


def _get_function(abi: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for item in abi:
        if item.get("type") == "function" and item.get("name") == name:
            return item
    raise EvmError(f"the contract has no function {name!r}")


def _types(params: list[dict[str, Any]]) -> list[str]:
    out = []
    for p in params:
        if p["type"].startswith("tuple"):
            out.append("(" + ",".join(_types(p["components"])) + ")" + p["type"][5:])
        else:
            out.append(p["type"])
    return out


class LocalChain:
    """One funded account and a py-evm chain that starts at Prague; nothing leaves the process."""

    def __init__(self) -> None:
        eth_tester = import_evm_package("eth_tester")
        pyevm = import_evm_package("eth_tester.backends.pyevm.main")
        self._abi = import_evm_package("eth_abi")
        self._keccak = import_evm_package("eth_utils").keccak
        self._backend = eth_tester.PyEVMBackend()
        self._execute = pyevm._execute_and_revert_transaction
        self._spoof = pyevm.EVMSpoofTransaction
        self.tester = eth_tester.EthereumTester(self._backend)
        self.sender = self.tester.get_accounts()[0]

    def deploy(
        self, bytecode: bytes, abi: list[dict[str, Any]] | None = None, args: Sequence[Any] = ()
    ) -> str:
        """Deploys ``bytecode`` with constructor ``args`` (typed by ``abi``); its address."""
        if args:
            inputs = next(i["inputs"] for i in abi or [] if i.get("type") == "constructor")
            bytecode += self._abi.encode(_types(inputs), list(args))
        tx = {"from": self.sender, "data": "0x" + bytecode.hex(), "gas": CALL_GAS_LIMIT}
        try:
            tx_hash = self.tester.send_transaction(tx)
        except Exception as exc:  # eth-tester's TransactionFailed and validation errors
            raise EvmError(f"contract deployment failed: {exc}") from exc
        address = self.tester.get_transaction_receipt(tx_hash)["contract_address"]
        if not address:
            raise EvmError("contract deployment failed")
        return str(address)

    def encode_call(self, abi: list[dict[str, Any]], name: str, args: list[Any]) -> bytes:
        fn = _get_function(abi, name)
        types = _types(fn["inputs"])
        selector = bytes(self._keccak(text=f"{name}({','.join(types)})")[:4])
        encoded: bytes = self._abi.encode(types, args)
        return selector + encoded

    def call(
        self, address: str, abi: list[dict[str, Any]], name: str, args: list[Any]
    ) -> CallResult:
        """``name(*args)`` on the contract at ``address``, rolled back; ``ContractRevertedError``
        (with the revert reason) if it reverts."""
        data = self.encode_call(abi, name, args)
        sender = bytes.fromhex(self.sender[2:])
        tx = {"from": sender, "to": bytes.fromhex(address[2:]), "data": data,
              "gas": CALL_GAS_LIMIT}  # fmt: skip
        unsigned = self._backend._get_normalized_and_unsigned_evm_transaction(tx, "latest")
        spoofed = self._spoof(unsigned, from_=sender)
        computation = self._execute(self._backend.chain, spoofed, "latest")
        if computation.is_error:
            raise ContractRevertedError(f"{name} reverted: {self._reason(computation)}")
        outputs = _types(_get_function(abi, name)["outputs"])
        decoded = self._abi.decode(outputs, computation.output)
        value = decoded[0] if len(decoded) == 1 else tuple(decoded)
        return CallResult(value, computation.get_gas_used())

    def transact(
        self, address: str, abi: list[dict[str, Any]], name: str, args: list[Any]
    ) -> CallResult:
        """``name(*args)`` as a mined transaction that changes the contract's state; its
        execution gas is measured by the same call rolled back first (which also gives the
        revert reason, ``ContractRevertedError``)."""
        result = self.call(address, abi, name, args)
        data = self.encode_call(abi, name, args)
        tx = {"from": self.sender, "to": address, "data": "0x" + data.hex(),
              "gas": CALL_GAS_LIMIT}  # fmt: skip
        try:
            self.tester.send_transaction(tx)
        except Exception as exc:  # eth-tester's TransactionFailed
            raise ContractRevertedError(f"{name} failed when mined: {exc}") from exc
        return result

    def _reason(self, computation: Any) -> str:
        error = computation._error
        data = error.args[0] if error.args else b""
        if isinstance(data, bytes) and data[:4] == bytes.fromhex("08c379a0"):
            return str(self._abi.decode(["string"], data[4:])[0])
        return type(error).__name__ + (f" {data!r}" if data else "")
