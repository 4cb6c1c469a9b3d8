"""The audit trail of privileged actions."""
