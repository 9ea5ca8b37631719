"""The program: the master policyholder's one group policy (保険契約者・保険会社)."""
