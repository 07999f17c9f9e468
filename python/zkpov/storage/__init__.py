"""Storage backends: the SafetyData store interface, in-memory and durable file implementations."""

from zkpov.storage.interface import SafetyStore
from zkpov.storage.memory import MemorySafetyStore
from zkpov.storage.safety_store import FileSafetyStore

__all__ = [
    "FileSafetyStore",
    "MemorySafetyStore",
    "SafetyStore",
]
