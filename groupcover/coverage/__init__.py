"""Coverage: who is insured on a day (C1, C2) and with which limits (C3, 補償内容)."""
