"""Coverage-terms versions (補償内容) and their publication with notices (seed 004 §2②, N1)."""
