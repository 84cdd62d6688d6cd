"""``kafkactl verify``: end-to-end checks of a live cluster against a topology (see ``checks``)."""

from kafkactl.verify.checks import Check, Report, verify

__all__ = ["Check", "Report", "verify"]
