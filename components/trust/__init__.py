"""Trust: input checks, skill data as data, incremental checks on the output stream."""

from components.trust.policy import POLICY_MESSAGES, OutputChecker, TrustPolicy, TrustVerdict

__all__ = ["POLICY_MESSAGES", "OutputChecker", "TrustPolicy", "TrustVerdict"]
