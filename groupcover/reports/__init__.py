"""Reports for the insurer: the monthly bordereau."""
