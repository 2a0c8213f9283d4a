"""Steady's risk detector: finds suicide, self-harm, harm-to-others and abuse language.

Public API (the lead integrates against exactly this):
    RiskHit, RiskAssessment, RiskDetector, severity_rank
See bot/risk/detector.py for how a message is assessed, bot/risk/severity.py for grading.
"""

from bot.risk.detector import RiskDetector
from bot.risk.model import CATEGORIES, SEVERITIES, RiskAssessment, RiskHit, severity_rank

__all__ = ["CATEGORIES", "SEVERITIES", "RiskAssessment", "RiskDetector", "RiskHit",
           "severity_rank"]
