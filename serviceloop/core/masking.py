"""SEC-1: masking of personal data shown in lists."""


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits of numbers long enough to mask."""
    digits = phone.strip()
    if len(digits) < 8:
        return digits[:1] + "*" * max(len(digits) - 1, 0) if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"
