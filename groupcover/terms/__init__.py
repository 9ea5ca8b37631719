"""Subscription terms (利用期間) = coverage periods (補償期間), rule C1."""
