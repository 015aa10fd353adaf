from enum import StrEnum


class RunStatus(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    EVALUATING = "evaluating"
    FAILED = "failed"
    QUEUED = "queued"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
